"""YAML as the content files are read everywhere: PyYAML's safe constructors over libyaml's
parser (``CSafeLoader``, in PyYAML's wheels), the pure-Python one where libyaml is missing.

The same data and the same errors (with their line), about ten times faster: reading the
modules in eight languages took two seconds of every start with the pure-Python parser, and
left more of its garbage behind in the bot's memory.
"""

from __future__ import annotations

from typing import Any

import yaml

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> Any:
    """``yaml.safe_load`` with the faster parser."""
    return yaml.load(text, Loader=SafeLoader)
