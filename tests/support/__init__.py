"""What the tests share, one module per domain; test modules never define builders and never
import from one another (only fixtures, through ``conftest.py``).

The plain rows (a learner, a walk-in, a trainer, a role, a session, a registration, an
attendance mark, feedback, a quiz attempt) are built in ``tests/factories.py``. Here:

Driving the bot through Telegram
    ``harness``      the bot under test with the fake Bot API (:class:`Harness`): people
                     (``user``, ``person`` with a role, ``onboarded``), the clock, restarts,
                     and what the database holds (``learner_of``, ``count``)
    ``driver``       one person's chat (:class:`TelegramUser`: ``send``, ``tap``, ``buttons``)
    ``learners``     onboarding and quizzes as a person taps them; a quiz through the service
    ``simulator``    the simulator, its preset people and its web API as the page uses it

Worlds (several people and sessions, and what they did)
    ``trainings``    a session with people registered or marked; Tirana; the check-in day
    ``announcements`` the audiences of announcements, an announcement in the outbox, staff
    ``reporting``    the people who ask for reports, and the dates of the reporting worlds
    ``export_world`` the exports' world; ``indicator_world`` the indicators' and /stats'
    ``burst_world``  the crash and fault tests: a world, a burst of updates, a bot process
    ``fuzz_*``       the fuzzer: its actions and strategies, its world, its invariants

Small things
    ``content`` a sample module's files; ``roles`` a role through an invite; ``rows``
    counting rows; ``clocks`` a hand-set clock; ``images`` PNGs; ``echo_bot`` a tiny PTB bot
"""
