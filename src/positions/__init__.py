"""positions: a knowledge base of negotiation positions in RDF.

The Python API is what the ``positions`` command wraps::

    from positions import KnowledgeBase
    kb = KnowledgeBase.open()            # the bundled base, or a folder
    rows = kb.query("us-unacceptable-demands")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from positions.api import KnowledgeBase
    from positions.errors import InputError, PositionsError, QueryRefused, UsageError

__all__ = ["InputError", "KnowledgeBase", "PositionsError", "QueryRefused", "UsageError"]
__version__ = "0.1.0"

# Where each name of the API is defined.  Imported when first used (PEP 562), so
# that importing one module of the package (the command line's first step,
# positions.cli.startup) does not import them all.
_HOMES = {
    "InputError": "positions.errors",
    "PositionsError": "positions.errors",
    "QueryRefused": "positions.errors",
    "UsageError": "positions.errors",
    "KnowledgeBase": "positions.api",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'positions' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
