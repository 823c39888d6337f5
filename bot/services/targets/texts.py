"""The words of targets and their progress, shared by ``/stats``, ``/targets`` and the
Targets sheet (HTML-escaped like every ``tr._``; the sheet makes them plain)."""

from __future__ import annotations

from bot.i18n.labels import COUNTRY_NAMES
from bot.i18n.translator import N_, Html, Translator
from bot.services.targets.load import Indicator
from bot.services.targets.progress import Pace, TargetProgress

INDICATOR_NAMES = {
    Indicator.PEOPLE_TRAINED: N_("People trained"),
    Indicator.ATTENDANCES: N_("Attendances"),
    Indicator.SESSIONS_HELD: N_("Sessions held"),
    Indicator.PEOPLE_COMPLETED: N_("People who completed a module"),
}
PACE_NAMES = {
    Pace.NOT_STARTED: N_("not started"),
    Pace.ON_PACE: N_("on pace"),
    Pace.BEHIND: N_("behind pace"),
    Pace.MET: N_("met"),
    Pace.MISSED: N_("missed"),
}
PACE_MARKS = {
    Pace.NOT_STARTED: "⚪",
    Pace.ON_PACE: "🟢",
    Pace.BEHIND: "🔴",
    Pace.MET: "✅",
    Pace.MISSED: "❌",
}


def indicator_name(tr: Translator, indicator: Indicator) -> str:
    return tr._(INDICATOR_NAMES[indicator])


def pace_name(tr: Translator, pace: Pace) -> str:
    return tr._(PACE_NAMES[pace])


def where(tr: Translator, country: str) -> str:
    """The country of a target, or "all countries"."""
    return tr._(COUNTRY_NAMES[country]) if country in COUNTRY_NAMES else tr._("all countries")


def target_label(tr: Translator, item: TargetProgress) -> str:
    """ "People trained · Albania · by 30 Jun 2027"."""
    return tr._(
        "{indicator} · {where} · by {due}",
        indicator=Html(indicator_name(tr, item.indicator)),
        where=Html(where(tr, item.country)),
        due=tr.date(item.due_on),
    )


def value_label(tr: Translator, item: TargetProgress) -> str:
    """ "270 of 1,620 (16 %)"."""
    return tr._(
        "{achieved} of {target} ({percent})",
        achieved=item.achieved,
        target=item.target,
        percent=tr.percent(item.percent),
    )


def target_line(tr: Translator, item: TargetProgress) -> str:
    """One line of the text: mark, label, value and pace."""
    return tr._(
        "{mark} {label}: {value}, {pace}",
        mark=PACE_MARKS[item.pace],
        label=Html(target_label(tr, item)),
        value=Html(value_label(tr, item)),
        pace=Html(pace_name(tr, item.pace)),
    )


def pace_rule(tr: Translator, tolerance: float) -> str:
    return tr._(
        "Behind pace: below the straight line from the start to the due date by more than "
        "{share} of the target.",
        share=tr.percent(round(tolerance * 100)),
    )
