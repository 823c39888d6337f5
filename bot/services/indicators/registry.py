"""The indicators, defined once: what each counts, which country it counts by, the SQL view
a BI tool counts it from, and how small numbers are protected. ``/stats``, the workbook's
Indicators and Definitions sheets, the tidy CSV and docs/reporting.md all read this registry;
tests/services/test_indicator_registry.py checks the docs and the views against it.

**The country rule.** A figure about people counts each person by *their own* country (the
one in their profile; "unknown" for erased people and people who gave no profile), whatever
the country of the session they came to: so a person is in one country only, and every
table by country adds up to its headline. Sessions held, a figure about sessions, counts
each session by the session's country. A coordinator's *scope* is another matter
(bot/services/scope.py): a country limit keeps the sessions held in those countries (and,
for learning, which has no session, the people of those countries).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.i18n.translator import N_


class CountsBy(StrEnum):
    PERSON = "person"
    """Each person under their own country (and gender, age band, ...)."""
    SESSION = "session"
    """Each session under the session's country."""


class Kind(StrEnum):
    PEOPLE = "people"
    """A number of people (or of their attendances, completions, answers)."""
    SESSIONS = "sessions"
    """A number of sessions."""
    AVERAGE = "average"
    """An average over answers of people."""


class Dimension(StrEnum):
    """How a figure is broken down; the order is the order of the tables."""

    COUNTRY = "country"
    GENDER = "gender"
    AGE_BAND = "age-band"
    ORGANISATION = "organisation"
    VULNERABLE_GROUP = "vulnerable-group"
    """Only people who gave the special consent; the rest are one row, "not asked"."""
    COUNTRY_GENDER = "country-gender"


SESSION_COUNTRY = "session-country"
"""The one breakdown of sessions held: by the session's country."""

DIMENSION_PARTS: dict[Dimension, tuple[str, ...]] = {
    Dimension.COUNTRY: ("country",),
    Dimension.GENDER: ("gender",),
    Dimension.AGE_BAND: ("age-band",),
    Dimension.ORGANISATION: ("organisation",),
    Dimension.VULNERABLE_GROUP: ("vulnerable-group",),
    Dimension.COUNTRY_GENDER: ("country", "gender"),
}
"""The person's values each dimension is made of (a cross has two)."""

DIMENSION_TITLES = {
    Dimension.COUNTRY: N_("By country (the person's)"),
    Dimension.GENDER: N_("By gender"),
    Dimension.AGE_BAND: N_("By age band"),
    Dimension.ORGANISATION: N_("By organisation"),
    Dimension.VULNERABLE_GROUP: N_("By vulnerable group (only people who consented to be asked)"),
    Dimension.COUNTRY_GENDER: N_("By country and gender"),
}
SESSION_COUNTRY_TITLE = N_("Sessions held by the session's country")


@dataclass(frozen=True)
class Definition:
    code: str
    """Stable, for machines: the tidy CSV's ``indicator`` column."""
    name: str
    """For people (a msgid)."""
    definition: str
    """What exactly is counted (a msgid; docs/reporting.md quotes it word for word)."""
    counts_by: CountsBy
    kind: Kind
    view: str
    """The SQL view a BI tool counts it from (``sql``)."""
    sql: str
    """The figure from ``view`` over all time; add ``WHERE <period_column>`` for a period."""
    period_column: str
    count_of: str | None = None
    """For the number behind an average: the average's code."""


PEOPLE_TRAINED = "people-trained"
ATTENDANCES = "attendances"
SESSIONS_HELD = "sessions-held"
COMPLETIONS = "completions"
KNOWLEDGE_GAIN = "knowledge-gain"
KNOWLEDGE_GAIN_PAIRS = "knowledge-gain-pairs"
SATISFACTION = "satisfaction"
SATISFACTION_RATINGS = "satisfaction-ratings"

BEST_POST_TESTS = (
    "SELECT gain_points, matched_items, ROW_NUMBER() OVER (PARTITION BY learner_id, "
    "module_id ORDER BY COALESCE(post_percent, 0) DESC, started_at, attempt_id) AS choice "
    "FROM knowledge_gain_view {where}"
)
"""Each pair's post-tests finished in the period, the best first (``choice`` = 1: the
highest score, then the earlier), as gain.py chooses it; the view has a row per post-test,
since which one is best depends on the period."""

DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        PEOPLE_TRAINED,
        N_("People trained"),
        N_(
            "Unique people with at least one attendance marked present or late at a "
            "session that was not cancelled and that started in the period. Walk-ins and "
            "people who erased their data count; excused and absent do not. Each person "
            "counts once, under their own country."
        ),
        CountsBy.PERSON,
        Kind.PEOPLE,
        "trained_view",
        "SELECT COUNT(DISTINCT learner_id) FROM trained_view",
        "session_starts_at",
    ),
    Definition(
        ATTENDANCES,
        N_("Attendances"),
        N_(
            "Attendances counted for people trained: a person at two sessions counts "
            "twice, under their own country."
        ),
        CountsBy.PERSON,
        Kind.PEOPLE,
        "trained_view",
        "SELECT COUNT(*) FROM trained_view",
        "session_starts_at",
    ),
    Definition(
        SESSIONS_HELD,
        N_("Sessions held"),
        N_(
            "Sessions not cancelled, started in the period, with at least one person "
            "present or late, under the session's country. A session nobody attended "
            "was not held."
        ),
        CountsBy.SESSION,
        Kind.SESSIONS,
        "trained_view",
        "SELECT COUNT(DISTINCT session_id) FROM trained_view",
        "session_starts_at",
    ),
    Definition(
        COMPLETIONS,
        N_("People who completed a module"),
        N_(
            "Unique people who passed at least one module in the period: the module was "
            "passed, or a passing post-test finished, in the period; under their own "
            "country."
        ),
        CountsBy.PERSON,
        Kind.PEOPLE,
        "completion_view",
        "SELECT COUNT(DISTINCT learner_id) FROM completion_view",
        "completed_at",
    ),
    Definition(
        KNOWLEDGE_GAIN,
        N_("Average knowledge gain (percentage points)"),
        N_(
            "Per person and module, on matched items: the first scored pre-test and the "
            "best scored post-test finished in the period, compared only on the learning "
            "objectives both asked, in percentage points; only pairs that have both, "
            "averaged over the pairs, under the person's own country. Reported with its "
            "number of pairs."
        ),
        CountsBy.PERSON,
        Kind.AVERAGE,
        "knowledge_gain_view",
        f"SELECT AVG(gain_points) FROM ({BEST_POST_TESTS}) best "
        "WHERE choice = 1 AND matched_items > 0",
        "finished_at",
    ),
    Definition(
        KNOWLEDGE_GAIN_PAIRS,
        N_("People and modules with a pre-test and a post-test"),
        N_("The number of pairs the average knowledge gain is over."),
        CountsBy.PERSON,
        Kind.PEOPLE,
        "knowledge_gain_view",
        f"SELECT COUNT(*) FROM ({BEST_POST_TESTS}) best WHERE choice = 1 AND matched_items > 0",
        "finished_at",
        count_of=KNOWLEDGE_GAIN,
    ),
    Definition(
        SATISFACTION,
        N_("Average feedback (1 to 5)"),
        N_(
            "The average rating, 1 to 5, that people gave for sessions not cancelled "
            "that started in the period, under the person's own country. Reported with "
            "its number of ratings."
        ),
        CountsBy.PERSON,
        Kind.AVERAGE,
        "satisfaction_view",
        "SELECT AVG(1.0 * rating) FROM satisfaction_view",
        "session_starts_at",
    ),
    Definition(
        SATISFACTION_RATINGS,
        N_("Ratings"),
        N_("The number of ratings the average feedback is over."),
        CountsBy.PERSON,
        Kind.PEOPLE,
        "satisfaction_view",
        "SELECT COUNT(*) FROM satisfaction_view",
        "session_starts_at",
        count_of=SATISFACTION,
    ),
)

BY_CODE = {definition.code: definition for definition in DEFINITIONS}

HEADLINE = tuple(definition.code for definition in DEFINITIONS)
"""The order of the headline figures."""

TABLE_MEASURES = (
    PEOPLE_TRAINED,
    ATTENDANCES,
    COMPLETIONS,
    KNOWLEDGE_GAIN_PAIRS,
    KNOWLEDGE_GAIN,
    SATISFACTION_RATINGS,
    SATISFACTION,
)
"""The columns of a table by a person's dimension (sessions held has its own table)."""

COUNTS_BY_NAMES = {
    CountsBy.PERSON: N_("the person's own country"),
    CountsBy.SESSION: N_("the session's country"),
}

SUPPRESSION_RULES = {
    Kind.PEOPLE: N_(
        "Exact for full scope. For a limited scope rounded to a multiple of {base}: a "
        "headline to the nearest one, the rows of a table each down or up so that they "
        "add up to the rounded headline (controlled rounding); rows rounded to 0 are "
        "left out."
    ),
    Kind.SESSIONS: N_(
        "Exact: a number of sessions, not of people; rounded like people when an "
        "organisation limit makes it count the sessions that organisation's people "
        "attended."
    ),
    Kind.AVERAGE: N_(
        "Exact for full scope. For a limited scope shown only over at least {threshold} "
        "answers, and in a table only while the answers behind the averages not shown "
        "are none or at least {threshold} (complementary suppression); an average not "
        "shown is an empty cell flagged as suppressed, beside its rounded number of "
        "answers."
    ),
}

REPORTING_VIEWS = (
    "attendance_view",
    "participants_view",
    "learning_view",
    "trained_view",
    "completion_view",
    "knowledge_gain_view",
    "satisfaction_view",
)
"""Every view for BI tools: what the read-only reporting role may read, and nothing else."""


def period_sql(definition: Definition, where: str) -> str:
    """The definition's SQL with ``where`` (a WHERE clause, or empty) on its period column."""
    if "{where}" in definition.sql:
        return definition.sql.format(where=where)
    return f"{definition.sql} {where}".strip()
