"""Texts that several features show: a coordinator's scope, a module's title."""

from __future__ import annotations

from bot.content.catalogue import Catalogue, plain_text
from bot.i18n.labels import COUNTRY_NAMES
from bot.i18n.translator import Html, Translator
from bot.services.roles import Scope


def scope_text(tr: Translator, scope: Scope) -> Html:
    """A coordinator's scope in words, for example "Kosovo, Serbia · all organisations"."""
    if scope.countries is None:
        countries = tr._("all countries")
    else:
        countries = ", ".join(
            sorted(tr._(COUNTRY_NAMES.get(code, code)) for code in scope.countries)
        )
    if scope.organisations is None:
        organisations = tr._("all organisations")
    else:
        organisations = ", ".join(sorted(scope.organisations))
    text = tr._("{countries} · {organisations}", countries=countries, organisations=organisations)
    if scope.programmes is not None:
        names = ", ".join(scope.programme_names) or ", ".join(
            f"#{number}" for number in sorted(scope.programmes)
        )
        text += " · " + tr._("programmes: {names}", names=names)
    return Html(text)


def module_title(tr: Translator, catalogue: Catalogue, module_id: str | None) -> str | None:
    """The module's title in ``tr``'s language and script, as plain text (a value for
    ``tr._``, which escapes it, or a button label); None when there is no such module."""
    module = catalogue.get(module_id) if module_id else None
    return plain_text(module.text(tr.language_code).title) if module else None
