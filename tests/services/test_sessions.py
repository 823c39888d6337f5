from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.db import Database
from bot.models import (
    AuditEntry,
    Learner,
    Registration,
    RegistrationStatus,
    Role,
    TrainingSession,
)
from bot.services import drafts, roster, sessions
from bot.services.learners import UNDISCLOSED
from bot.services.sessions import (
    Access,
    Reason,
    RegistrationOutcome,
    SessionError,
    SessionValues,
    schedule,
)
from tests.factories import grant, make_learner, make_trainer, make_walk_in, record_attendance
from tests.support.rows import count

BELGRADE = ZoneInfo("Europe/Belgrade")
NOW = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
START = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
ADMIN_TELEGRAM_ID = 4242


def values(**changes: object) -> SessionValues:
    base = SessionValues(
        title="Digital security for CSOs",
        module_id="passwords-2fa",
        starts_at=START,
        duration_minutes=90,
        venue="Hotel Park, Skopje",
        online_url=None,
        country="MK",
        language="mk",
        capacity=20,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


# -- dates and times ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "11.12.2026 10:00",
        "11.12.2026. 10:00",
        "2026-12-11 10:00",
        "11/12/2026 10:00",
        " 11.12.2026   10.00 ",
        "11.12.2026, 10:00",
    ],
)
def test_the_usual_ways_of_writing_a_date_are_understood(text: str):
    assert sessions.parse_local_datetime(text, BELGRADE, NOW) == datetime(
        2026, 12, 11, 9, 0, tzinfo=UTC
    )


def test_a_summer_time_is_converted_with_the_summer_offset():
    moment = sessions.parse_local_datetime("01.07.2026 10:00", BELGRADE, NOW)
    assert moment == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("tomorrow at ten", Reason.MALFORMED),
        ("11.12.2026", Reason.MALFORMED),
        ("", Reason.MALFORMED),
        ("12/11 half past ten", Reason.MALFORMED),
        ("31.02.2026 10:00", Reason.IMPOSSIBLE),
        ("29.02.2027 10:00", Reason.IMPOSSIBLE),
        ("11.13.2026 10:00", Reason.IMPOSSIBLE),
        ("11.12.2026 25:00", Reason.IMPOSSIBLE),
        ("11.12.2026 10:60", Reason.IMPOSSIBLE),
        ("09.01.2026 10:00", Reason.PAST),
        ("10.01.2026 10:00", Reason.PAST),  # exactly now (09:00 UTC is 10:00 in Belgrade)
        ("29.03.2026 02:30", Reason.NONEXISTENT),
        ("29.03.2026 02:00", Reason.NONEXISTENT),
        ("25.10.2026 02:30", Reason.AMBIGUOUS),
        ("25.10.2026 02:00", Reason.AMBIGUOUS),
        ("12.01.2028 10:00", Reason.TOO_FAR),
    ],
)
def test_bad_dates_are_refused_with_the_reason(text: str, problem: Reason):
    with pytest.raises(SessionError) as error:
        sessions.parse_local_datetime(text, BELGRADE, NOW)
    assert error.value.reason == problem


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("29.03.2026 01:59", datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),
        ("29.03.2026 03:00", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        ("25.10.2026 01:59", datetime(2026, 10, 24, 23, 59, tzinfo=UTC)),
        ("25.10.2026 03:00", datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),
        ("29.02.2028 10:00", datetime(2028, 2, 29, 9, 0, tzinfo=UTC)),
    ],
)
def test_the_minutes_around_the_clock_changes_are_fine(text: str, utc: datetime):
    assert sessions.parse_local_datetime(text, BELGRADE, datetime(2026, 3, 1, tzinfo=UTC)) == utc


def test_the_example_shown_is_itself_accepted():
    example = sessions.example_datetime(BELGRADE, NOW)
    assert example == "17.01.2026 10:00"
    assert sessions.parse_local_datetime(example, BELGRADE, NOW) > NOW


# -- the other values -----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "minutes"), [("15", 15), ("90 min", 90), ("720", 720)])
def test_durations_in_range(text: str, minutes: int):
    assert sessions.parse_duration(text) == minutes


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("14", Reason.OUT_OF_RANGE),
        ("721", Reason.OUT_OF_RANGE),
        ("0", Reason.OUT_OF_RANGE),
        ("-30", Reason.MALFORMED),
        ("1.5", Reason.MALFORMED),
        ("an hour", Reason.MALFORMED),
    ],
)
def test_bad_durations(text: str, problem: Reason):
    with pytest.raises(SessionError) as error:
        sessions.parse_duration(text)
    assert error.value.reason == problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [("0", Reason.OUT_OF_RANGE), ("1001", Reason.OUT_OF_RANGE), ("-1", Reason.MALFORMED)],
)
def test_bad_capacities(text: str, problem: Reason):
    with pytest.raises(SessionError) as error:
        sessions.parse_capacity(text)
    assert error.value.reason == problem
    assert sessions.parse_capacity("1") == 1 and sessions.parse_capacity("1000") == 1000


def test_a_place_is_a_venue_or_a_secure_link():
    assert sessions.parse_place("  Hotel  Park,\u00a0Skopje ") == ("Hotel Park, Skopje", None)
    assert sessions.parse_place("https://meet.example.org/abc-def") == (
        None,
        "https://meet.example.org/abc-def",
    )
    for text, problem in [
        ("", Reason.EMPTY),
        ("x" * 201, Reason.TOO_LONG),
        ("http://meet.example.org/abc", Reason.NOT_HTTPS),
        ("www.example.org", Reason.NOT_HTTPS),
        ("https://" + "a" * 300 + ".org", Reason.TOO_LONG),
        ("https://no-dot/path", Reason.BAD_LINK),
    ]:
        with pytest.raises(SessionError) as error:
            sessions.parse_place(text)
        assert error.value.reason == problem, text


def test_titles_countries_languages_and_modules_are_checked():
    assert sessions.check_title("  EU  chapters ") == "EU chapters"
    for text, problem in [(" ", Reason.EMPTY), ("x" * 121, Reason.TOO_LONG)]:
        with pytest.raises(SessionError) as error:
            sessions.check_title(text)
        assert error.value.reason == problem
    assert sessions.check_country("other") == "other"
    assert sessions.check_language("sr-Cyrl") == "sr-Cyrl"
    assert sessions.check_module(None, {"a"}) is None
    for check in (
        lambda: sessions.check_country("DE"),
        lambda: sessions.check_language("de"),
        lambda: sessions.check_module("nope", {"a"}),
    ):
        with pytest.raises(SessionError) as error:
            check()
        assert error.value.reason == Reason.UNKNOWN_CHOICE


# -- scheduling -----------------------------------------------------------------------------


async def test_a_session_gets_a_unique_code_and_a_secret(database: Database):
    async with database.session() as db:
        owner = await make_trainer(db)
        made = [
            await sessions.create_session(db, owner, values(), NOW, {"passwords-2fa"})
            for _ in range(20)
        ]
    codes = {s.code for s in made}
    assert len(codes) == 20
    for item in made:
        assert len(item.code) == 8 and set(item.code) <= set(sessions.CODE_ALPHABET)
        assert len(item.checkin_secret) == 64 and item.version == 1
    assert len({s.checkin_secret for s in made}) == 20
    async with database.session() as db:
        assert (await sessions.find_by_code(db, made[0].code.lower())) is not None
        assert await count(db, AuditEntry) == 20


async def test_values_are_checked_again_when_the_session_is_made(database: Database):
    async with database.session() as db:
        owner = await make_trainer(db)
        for bad, problem in [
            (values(starts_at=NOW - timedelta(minutes=1)), Reason.PAST),
            (values(capacity=0), Reason.OUT_OF_RANGE),
            (values(duration_minutes=-30), Reason.OUT_OF_RANGE),
            (values(module_id="nope"), Reason.UNKNOWN_CHOICE),
            (values(venue=None), Reason.EMPTY),
        ]:
            with pytest.raises(SessionError) as error:
                await sessions.create_session(db, owner, bad, NOW, {"passwords-2fa"})
            assert error.value.reason == problem
        assert await count(db, TrainingSession) == 0


# -- registration ---------------------------------------------------------------------------


async def test_registration_until_the_session_is_full(database: Database):
    async with database.session() as db:
        owner = await make_trainer(db)
        training = await sessions.create_session(db, owner, values(capacity=2), NOW)
        first, second, third = [await make_learner(db) for _ in range(3)]
        assert (
            await sessions.register(db, first, training.code, NOW)
        ).outcome == RegistrationOutcome.REGISTERED
        assert (await sessions.register(db, second, training.code, NOW)).outcome == (
            RegistrationOutcome.REGISTERED
        )
        assert (
            await sessions.register(db, third, training.code, NOW)
        ).outcome == RegistrationOutcome.FULL
        # An apology frees a place.
        assert (
            await sessions.apologise(db, first, training.id, NOW)
        ).outcome == RegistrationOutcome.APOLOGISED
        assert (await sessions.register(db, third, training.code, NOW)).outcome == (
            RegistrationOutcome.REGISTERED
        )
        # ...which the one who apologised cannot take back now.
        assert (
            await sessions.register(db, first, training.code, NOW)
        ).outcome == RegistrationOutcome.FULL
        assert [p.id for p in await sessions.registered_learners(db, training.id)] == [
            second.id,
            third.id,
        ]
        assert await sessions.counts(db, training.id) == sessions.RegistrationCounts(2, 1)


async def test_registering_twice_makes_one_row(database: Database):
    async with database.session() as db:
        owner = await make_trainer(db)
        training = await sessions.create_session(db, owner, values(), NOW)
        learner = await make_learner(db)
        assert (await sessions.register(db, learner, training.code, NOW)).outcome == (
            RegistrationOutcome.REGISTERED
        )
        again = await sessions.register(db, learner, training.code.lower(), NOW)
        assert again.outcome == RegistrationOutcome.ALREADY_REGISTERED
        assert await count(db, Registration) == 1


async def test_a_double_tap_at_the_same_moment_makes_one_row(database: Database):
    async with database.session() as db:
        owner = await make_trainer(db)
        code = (await sessions.create_session(db, owner, values(), NOW)).code
        learner = await make_learner(db)

    async def tap() -> RegistrationOutcome:
        async with database.session() as db:
            person = await db.get(Learner, learner.id)
            assert person is not None
            return (await sessions.register(db, person, code, NOW)).outcome

    outcomes = await asyncio.gather(tap(), tap())
    assert sorted(outcomes) == sorted(
        [RegistrationOutcome.REGISTERED, RegistrationOutcome.ALREADY_REGISTERED]
    )
    async with database.session() as db:
        assert await count(db, Registration) == 1


async def test_unknown_cancelled_and_started_sessions_take_no_registration(database: Database):
    async with database.session() as db:
        owner = await make_trainer(db)
        learner = await make_learner(db)
        training = await sessions.create_session(db, owner, values(), NOW)
        for code in ("NOPE2345", "", "s_../x", "A" * 40):
            assert (
                await sessions.register(db, learner, code, NOW)
            ).outcome == RegistrationOutcome.UNKNOWN
        started = await sessions.register(db, learner, training.code, START + timedelta(minutes=1))
        assert started.outcome == RegistrationOutcome.STARTED
        await sessions.cancel(db, owner, training.id, 1, NOW)
        assert (await sessions.register(db, learner, training.code, NOW)).outcome == (
            RegistrationOutcome.CANCELLED
        )
        assert await count(db, Registration) == 0


async def test_apologies_only_before_the_start_and_only_for_ones_own(database: Database):
    async with database.session() as db:
        owner = await make_trainer(db)
        training = await sessions.create_session(db, owner, values(), NOW)
        learner, stranger = await make_learner(db), await make_learner(db)
        await sessions.register(db, learner, training.code, NOW)
        outcome = (await sessions.apologise(db, stranger, training.id, NOW)).outcome
        assert outcome == RegistrationOutcome.NOT_REGISTERED
        late = await sessions.apologise(db, learner, training.id, START)
        assert late.outcome == RegistrationOutcome.STARTED
        assert (await sessions.apologise(db, learner, training.id, NOW)).outcome == (
            RegistrationOutcome.APOLOGISED
        )
        assert (await sessions.apologise(db, learner, training.id, NOW)).outcome == (
            RegistrationOutcome.ALREADY_APOLOGISED
        )
        assert (
            await sessions.apologise(db, learner, 999_999, NOW)
        ).outcome == RegistrationOutcome.UNKNOWN
        # Changing one's mind: the link registers again, in the same row.
        again = await sessions.register(db, learner, training.code, NOW)
        assert again.outcome == RegistrationOutcome.REGISTERED
        row = (await db.exec(select(Registration))).one()
        assert row.status == RegistrationStatus.REGISTERED and row.apologised_at is None
        mine = await sessions.my_sessions(db, learner, NOW)
        assert [s.id for s, _ in mine] == [training.id]


# -- editing --------------------------------------------------------------------------------


async def test_two_trainers_editing_one_session(database: Database):
    """Both opened the session at version 1; the second edit is refused, nothing is lost."""
    async with database.session() as db:
        owner = await make_trainer(db)
        coordinator = await make_learner(db)
        await grant(db, coordinator, Role.COORDINATOR, countries=["MK"])
        training = await sessions.create_session(db, owner, values(), NOW)
        session_id = training.id
    later = START + timedelta(days=1)
    async with database.session() as db:
        actor = await db.get(Learner, owner.id)
        assert actor is not None
        change = await sessions.reschedule(db, actor, session_id, 1, later, NOW)
        assert change.previous_start == START and change.training.version == 2
    async with database.session() as db:
        actor = await db.get(Learner, coordinator.id)
        assert actor is not None
        with pytest.raises(SessionError) as error:
            await sessions.change_venue(db, actor, session_id, 1, "Online", NOW)
        assert error.value.reason == Reason.CHANGED
        with pytest.raises(SessionError) as error:
            await sessions.cancel(db, actor, session_id, 1, NOW)
        assert error.value.reason == Reason.CHANGED
    async with database.session() as db:
        stored = await sessions.get_session(db, session_id)
        assert stored is not None
        assert (stored.starts_at, stored.venue, stored.cancelled_at, stored.version) == (
            later,
            "Hotel Park, Skopje",
            None,
            2,
        )
        # With the current version the coordinator's edit goes through.
        actor = await db.get(Learner, coordinator.id)
        assert actor is not None
        change = await sessions.change_venue(
            db, actor, session_id, 2, "https://meet.example.org/x", NOW
        )
        assert (change.training.venue, change.training.online_url, change.training.version) == (
            None,
            "https://meet.example.org/x",
            3,
        )


async def test_the_version_check_holds_under_a_race(database: Database):
    """Both editors read version 1; the UPDATE itself refuses the one that comes second."""
    async with database.session() as db:
        owner = await make_trainer(db)
        training = await sessions.create_session(db, owner, values(), NOW)
    async with database.session() as first_db:
        first = await sessions.get_session(first_db, training.id)
        assert first is not None
        async with database.session() as second_db:
            second = await sessions.get_session(second_db, training.id)
            assert second is not None
            await schedule._apply(second_db, second, 1, NOW, venue="B")
        with pytest.raises(SessionError) as error:
            await schedule._apply(first_db, first, 1, NOW, venue="A")
        assert error.value.reason == Reason.CHANGED
    async with database.session() as db:
        stored = await sessions.get_session(db, training.id)
        assert stored is not None and (stored.venue, stored.version) == ("B", 2)


async def test_who_may_edit(database: Database):
    async with database.session() as db:
        owner, other_trainer = await make_trainer(db), await make_trainer(db)
        albania, everywhere = await make_learner(db), await make_learner(db)
        await grant(db, albania, Role.COORDINATOR, countries=["AL"])
        await grant(db, everywhere, Role.COORDINATOR)
        admin = await make_learner(db, telegram_id=ADMIN_TELEGRAM_ID)
        plain = await make_learner(db)
        training = await sessions.create_session(db, owner, values(country="MK"), NOW)
        admins = (ADMIN_TELEGRAM_ID,)
        allowed = {
            name: await sessions.may_manage(db, person, admins, training)
            for name, person in [
                ("owner", owner),
                ("other trainer", other_trainer),
                ("coordinator AL", albania),
                ("coordinator all", everywhere),
                ("admin", admin),
                ("learner", plain),
            ]
        }
        assert allowed == {
            "owner": True,
            "other trainer": False,
            "coordinator AL": False,
            "coordinator all": True,
            "admin": True,
            "learner": False,
        }
        for person in (other_trainer, albania, plain):
            with pytest.raises(SessionError) as error:
                await sessions.reschedule(
                    db, person, training.id, 1, START + timedelta(hours=1), NOW, admin_ids=admins
                )
            assert error.value.reason == Reason.NOT_ALLOWED
        await sessions.reschedule(
            db, admin, training.id, 1, START + timedelta(hours=1), NOW, admin_ids=admins
        )


async def test_an_organisation_scope_manages_its_trainers_sessions_and_sees_its_people(
    database: Database,
):
    async with database.session() as db:
        civic_trainer = await make_trainer(db, organisation="Civic Lab")
        forum_trainer = await make_trainer(db, organisation="Forum")
        civic, forum = (
            await make_learner(db, organisation="Civic Lab"),
            await make_learner(db, organisation="Forum"),
        )
        quiet = await make_learner(db, organisation=UNDISCLOSED)
        ours = await sessions.create_session(db, civic_trainer, values(country="XK"), NOW)
        mixed = await sessions.create_session(db, forum_trainer, values(country="RS"), NOW)
        theirs = await sessions.create_session(db, forum_trainer, values(country="RS"), NOW)
        for training, people in ((mixed, (forum, civic, quiet)), (theirs, (forum, quiet))):
            for person in people:
                await sessions.register(db, person, training.code, NOW)
        coordinators = {}
        for name, countries, organisations in (
            ("Civic Lab", [], ["Civic Lab"]),
            ("Civic Lab in Serbia", ["RS"], ["Civic Lab"]),
            ("prefer not to say", [], [UNDISCLOSED]),
        ):
            coordinators[name] = await make_learner(db)
            await grant(
                db,
                coordinators[name],
                Role.COORDINATOR,
                countries=countries,
                organisations=organisations,
            )
        reached = {
            name: [(await sessions.access(db, person, t, ())).level for t in (ours, mixed, theirs)]
            for name, person in coordinators.items()
        }
        assert reached == {
            "Civic Lab": [Access.MANAGE, Access.PEOPLE, Access.NONE],
            "Civic Lab in Serbia": [Access.NONE, Access.PEOPLE, Access.NONE],
            "prefer not to say": [Access.NONE, Access.NONE, Access.NONE],
        }
        listed = await sessions.list_sessions(db, coordinators["Civic Lab"], NOW)
        assert {t.id for t in listed} == {ours.id, mixed.id}
        seen = await sessions.seen(db, coordinators["Civic Lab"], mixed.id)
        assert [entry.learner_id for entry in await roster.roster(db, seen)] == [civic.id]
        with pytest.raises(SessionError) as error:
            await sessions.managed(db, coordinators["Civic Lab"], mixed.id)
        assert error.value.reason == Reason.NOT_ALLOWED
        with pytest.raises(SessionError) as error:
            await sessions.seen(db, coordinators["Civic Lab"], theirs.id)
        assert error.value.reason == Reason.NOT_ALLOWED


async def test_rescheduling_and_cancelling_rules(database: Database):
    async with database.session() as db:
        owner = await make_trainer(db)
        training = await sessions.create_session(db, owner, values(), NOW)
        during = START + timedelta(minutes=10)
        after = START + timedelta(minutes=90)
        for call, problem in [
            (lambda: sessions.reschedule(db, owner, training.id, 1, START, NOW), Reason.SAME_TIME),
            (
                lambda: sessions.reschedule(
                    db, owner, training.id, 1, NOW - timedelta(hours=1), NOW
                ),
                Reason.PAST,
            ),
            (
                lambda: sessions.reschedule(
                    db, owner, training.id, 1, during + timedelta(days=1), during
                ),
                Reason.STARTED,
            ),
            (lambda: sessions.cancel(db, owner, training.id, 1, after), Reason.ENDED),
            (lambda: sessions.cancel(db, owner, 999_999, 1, NOW), Reason.NOT_FOUND),
            (
                lambda: sessions.change_venue(db, owner, training.id, 1, "http://x.org", NOW),
                Reason.NOT_HTTPS,
            ),
        ]:
            with pytest.raises(SessionError) as error:
                await call()
            assert error.value.reason == problem
        # A running session can still be cancelled; a cancelled one takes no more edits.
        change = await sessions.cancel(db, owner, training.id, 1, during)
        assert change.training.cancelled_at == during and change.training.version == 2
        with pytest.raises(SessionError) as error:
            await sessions.cancel(db, owner, training.id, 2, during)
        assert error.value.reason == Reason.CANCELLED
        actions = (await db.exec(select(AuditEntry.action).order_by(AuditEntry.id))).all()
        assert actions == ["session.create", "session.cancel"]


async def test_lists_and_roster(database: Database):
    async with database.session() as db:
        owner, other = await make_trainer(db), await make_trainer(db)
        admin = await make_learner(db, telegram_id=ADMIN_TELEGRAM_ID)
        soon = await sessions.create_session(db, owner, values(starts_at=START), NOW)
        later = await sessions.create_session(
            db, owner, values(starts_at=START + timedelta(days=3)), NOW
        )
        theirs = await sessions.create_session(db, other, values(), NOW)
        moment = START + timedelta(days=1)
        upcoming = await sessions.list_sessions(db, owner, moment)
        past = await sessions.list_sessions(db, owner, moment, past=True)
        assert [s.id for s in upcoming] == [later.id]
        assert [s.id for s in past] == [soon.id]
        everything = await sessions.list_sessions(db, admin, NOW, admin_ids=(ADMIN_TELEGRAM_ID,))
        assert {s.id for s in everything} == {soon.id, later.id, theirs.id}
        # Running now counts as upcoming.
        running = await sessions.list_sessions(db, owner, START + timedelta(minutes=30))
        assert [s.id for s in running] == [soon.id, later.id]

        coming, sorry = await make_learner(db), await make_learner(db)
        await sessions.register(db, coming, soon.code, NOW)
        await sessions.register(db, sorry, soon.code, NOW)
        await sessions.apologise(db, sorry, soon.id, NOW)
        walk_in = await make_walk_in(db, "Besa", language="en", added_by=owner.id)
        for person in (coming, walk_in):
            await record_attendance(db, soon, person, "present")
        seen = await sessions.seen(db, owner, soon.id)
        entries = await roster.roster(db, seen)
        assert [(e.learner_id, e.registration, e.status) for e in entries] == [
            (coming.id, "registered", "present"),
            (sorry.id, "apologised", None),
            (walk_in.id, None, "present"),
        ]


async def test_a_draft_is_one_per_learner(database: Database):
    async with database.session() as db:
        learner = await make_learner(db)
        await drafts.save_draft(db, learner, "newsession", "title", {}, NOW)
        await drafts.save_draft(db, learner, "newsession", "module", {"title": "Ё"}, NOW)
        draft = await drafts.get_draft(db, learner, "newsession")
        assert draft is not None and draft.step == "module"
        assert drafts.draft_data(draft) == {"title": "Ё"}
        assert await drafts.get_draft(db, learner, "walkin") is None
        await drafts.drop_draft(db, learner, "newsession")
        assert await drafts.get_draft(db, learner, "newsession") is None
