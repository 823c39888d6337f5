"""Every command and button of the running bot is declared once, with who may use it.

The application is built as ``python -m bot run`` builds it and its handlers are read back:
a handler that is not a declaration (``bot.handlers.common.entry``) would take updates
without the shared decoding, role check and refusals; a button class without a handler,
or with two, would be a dead or an ambiguous button.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler

import bot.handlers
import bot.services
from bot import app
from bot.app import build_application, build_deps
from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.handlers import fallback, groups
from bot.handlers.common.callback_data import CallbackData
from bot.handlers.common.entry import ButtonRoute, CommandRoute, DocumentRoute, TextStepRoute
from bot.handlers.common.menus import COORDINATOR_COMMANDS, LEARNER_COMMANDS, TRAINER_COMMANDS
from bot.models import Role
from bot.runtime.context import BotApplication
from bot.services import errors
from tests.support.harness import CONTROLLER

STAFF = {Role.TRAINER, Role.COORDINATOR, Role.ADMIN}


def _import_all(package: object) -> None:
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):  # type: ignore[attr-defined]
        importlib.import_module(module.name)


@pytest.fixture
def application(tmp_path: Path, catalogue: Catalogue) -> BotApplication:
    settings = Settings(
        bot_token="123456:TEST-TOKEN-FOR-KAPACITET",
        database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}",
        **CONTROLLER,
    )
    return build_application(build_deps(settings, catalogue), background_jobs=False)


def features(application: BotApplication) -> list[object]:
    """The handlers of group 0 but the fallback's (which takes what no feature took) and
    the group chats' (which answer a group once, without a person or a role)."""
    return [
        h
        for h in application.handlers[0]
        if h not in fallback.HANDLERS and h not in groups.HANDLERS
    ]


def test_every_command_and_button_handler_is_a_declaration(application: BotApplication):
    undeclared = [
        handler
        for handler in features(application)
        if isinstance(handler, CommandHandler | CallbackQueryHandler)
        and not isinstance(handler, CommandRoute | ButtonRoute)
    ]
    assert undeclared == []
    others = [
        handler
        for handler in features(application)
        if not isinstance(handler, CommandRoute | ButtonRoute | DocumentRoute)
    ]
    assert others == [], "group 0 holds only declared commands, buttons and files"
    # A file sent to the bot is declared with who may send it: the editors' workbook and
    # the translators' PO file.
    documents = [h for h in features(application) if isinstance(h, DocumentRoute)]
    assert [sorted(h.roles or ()) for h in documents] == [[Role.ADMIN, Role.EDITOR]] * 2


def test_every_button_class_has_exactly_one_handler(application: BotApplication):
    _import_all(bot.handlers)
    ours = {
        prefix: kind
        for prefix, kind in CallbackData.registered().items()
        if kind.__module__.startswith("bot.")
    }
    handled: dict[str, list[ButtonRoute]] = {}
    for handler in features(application):
        if isinstance(handler, ButtonRoute):
            handled.setdefault(handler.data.prefix, []).append(handler)
    assert sorted(handled) == sorted(ours), "a button class without a handler, or a stray one"
    assert [prefix for prefix, routes in handled.items() if len(routes) > 1] == []


def test_every_command_in_a_menu_is_declared_once_for_the_roles_that_see_it(
    application: BotApplication,
):
    declared: dict[str, list[CommandRoute]] = {}
    for handler in features(application):
        if isinstance(handler, CommandRoute):
            for command in handler.commands:
                declared.setdefault(command, []).append(handler)
    assert [command for command, routes in declared.items() if len(routes) > 1] == []
    for command, _ in LEARNER_COMMANDS:
        assert declared[command][0].roles is None, f"/{command} is in everyone's menu"
    for command, _ in TRAINER_COMMANDS + COORDINATOR_COMMANDS:
        roles = declared[command][0].roles
        # Staff, and content editors for the translators' commands (/coverage, /review…).
        assert roles is not None and roles <= STAFF | {Role.EDITOR}, f"/{command} is for staff only"


def test_staff_commands_refuse_learners_by_their_declaration(application: BotApplication):
    """Who may use what, as declared: the authorisation tests play each refusal."""
    table = {
        command: handler.roles
        for handler in features(application)
        if isinstance(handler, CommandRoute)
        for command in handler.commands
    }
    assert table["newsession"] == table["sessions"] == table["attendance"] == frozenset(STAFF)
    for command in ("invite", "roles", "stats", "items", "export", "announce"):
        assert table[command] == frozenset({Role.COORDINATOR, Role.ADMIN}), command
    assert table["start"] is table["help"] is table["checkin"] is None


def test_services_raise_only_the_one_error_family():
    _import_all(bot.services)
    found = []
    for module in list(pkgutil.walk_packages(bot.services.__path__, "bot.services.")):
        for _, kind in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            if issubclass(kind, Exception) and kind.__module__ == module.name:
                found.append(kind)
    assert found, "no error classes found: the walk read nothing"
    for kind in found:
        assert issubclass(kind, errors.ServiceError), f"{kind.__qualname__} is not a ServiceError"
        if kind is not errors.ServiceError:
            assert kind.__name__ in (errors.__doc__ or ""), f"{kind.__name__}: add it to the tree"


def test_app_lists_its_wiring_in_one_place():
    """The tables a reader looks for are in bot/app.py and point at declared things."""
    assert app.TEXT_STEPS and app.DEEP_LINKS and app.JOBS and app.FEATURES
    for feature in app.FEATURES:
        assert feature.HANDLERS, f"{feature.__name__} wires nothing"


def test_every_text_step_is_declared_once_with_who_may_type_it():
    steps = [route.step for route in app.TEXT_STEPS]
    assert all(isinstance(route, TextStepRoute) for route in app.TEXT_STEPS)
    assert len(steps) == len(set(steps)), "two features answer the same step"
    staff_steps = {route.step: route.roles for route in app.TEXT_STEPS if route.roles is not None}
    assert set(staff_steps) == {
        "newsession",
        "session-edit",
        "walkin",
        "announce",
        "export",
        "problem-answer",
        "inbox-reply",
    }
    for step, roles in staff_steps.items():
        assert roles <= STAFF, step
    leaving = {route.step for route in app.TEXT_STEPS if route.leave is not None}
    assert leaving == set(staff_steps), (
        "a staff conversation must end for someone who lost the role"
    )
