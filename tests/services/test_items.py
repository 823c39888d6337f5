"""Item analysis against a generated data set with one deliberately mistranslated question."""

from __future__ import annotations

import pytest

from bot.content.catalogue import Catalogue
from bot.db import Database
from bot.services import items
from bot.services.indicators import ALL_TIME, NO_FILTERS, Disclosure
from bot.services.items import _Answer, point_biserial
from bot.services.roles import Scope
from tests.support.items_world import (
    FEW,
    MISTRANSLATED_LANGUAGE,
    PER_LANGUAGE,
    build_items_world,
)

FULL = Scope(countries=None, organisations=None)


async def analyse(database: Database, scope: Scope = FULL) -> list[items.ItemStats]:
    async with database.session() as db:
        return await items.analyse(db, scope, ALL_TIME, NO_FILTERS, Disclosure.for_scope(scope, 5))


async def test_the_mistranslated_question_is_flagged_in_its_language_only(
    database: Database, catalogue: Catalogue
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    world = await build_items_world(database, module)
    found = await analyse(database)
    flagged = [(item.question_id, item.language) for item in found if item.flagged]
    assert flagged == [(world.mistranslated, MISTRANSLATED_LANGUAGE)]
    cell = next(i for i in found if (i.question_id, i.language) == (world.mistranslated, "sq"))
    assert cell.answers == PER_LANGUAGE
    assert cell.share_correct is not None and cell.others_share is not None
    assert cell.share_correct < 0.25 < cell.others_share
    # The other questions discriminate: those who do well on the rest get them right.
    sound = [i.discrimination for i in found if i.language == "en" and i.discrimination is not None]
    assert len(sound) == 8 and min(sound) > 0 and sum(sound) / len(sound) > 0.2
    # Too few answers in Croatian: counted, never computed, never flagged.
    few = [i for i in found if i.language == FEW[0]]
    assert few and all(
        (i.answers, i.share_correct, i.discrimination, i.flagged) == (FEW[1], None, None, False)
        for i in few
    )


async def test_a_limited_scope_sees_rounded_counts_of_its_own_people(
    database: Database, catalogue: Catalogue
):
    module = catalogue.get("passwords-2fa")
    assert module is not None
    await build_items_world(database, module, organisation="Forum")
    elsewhere = Scope(countries=None, organisations=frozenset({"Other"}))
    assert await analyse(database, elsewhere) == []
    mine = await analyse(database, Scope(countries=None, organisations=frozenset({"Forum"})))
    assert {i.answers for i in mine if i.language == FEW[0]} == {5}  # 6, rounded
    assert all(i.answers % 5 == 0 for i in mine)


def test_point_biserial_by_hand():
    # Rest scores 0, 0.5, 0.5, 1 (sd 0.3536); right for the two best: r = 0.5 / 0.3536 x 0.5.
    answers = [_Answer(False, 0.0), _Answer(False, 0.5), _Answer(True, 0.5), _Answer(True, 1.0)]
    assert point_biserial(answers) == pytest.approx(0.7071, abs=1e-4)
    assert point_biserial([_Answer(True, 0.5), _Answer(True, 1.0)]) is None
