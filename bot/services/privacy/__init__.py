"""A person's own data: everything stored about them (``/mydata``, the right of access), and
its erasure (``/forget``); for walk-ins, who have no Telegram, both through an admin.

Modules: ``references`` (where a person is referred to: foreign keys, audit entries, stored
updates), ``access`` (the ``/mydata`` file), ``erasure`` (what goes, what is blanked, and the
new id of what stays), ``walk_ins`` (the admin's side).
"""

from bot.services.privacy.access import personal_data, personal_data_json
from bot.services.privacy.erasure import ERASE_ACTION, ERASED_TITLE, erase
from bot.services.privacy.references import learner_columns
from bot.services.privacy.walk_ins import (
    ACCESS_ACTION,
    MAX_FOUND,
    MIN_SEARCH,
    Found,
    PrivacyError,
    Reason,
    WalkIn,
    erase_walk_in,
    find_walk_ins,
    walk_in,
    walk_in_data,
)

__all__ = [
    "ACCESS_ACTION",
    "ERASED_TITLE",
    "ERASE_ACTION",
    "MAX_FOUND",
    "MIN_SEARCH",
    "Found",
    "PrivacyError",
    "Reason",
    "WalkIn",
    "erase",
    "erase_walk_in",
    "find_walk_ins",
    "learner_columns",
    "personal_data",
    "personal_data_json",
    "walk_in",
    "walk_in_data",
]
