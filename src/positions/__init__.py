"""positions: a knowledge base of negotiation positions in RDF.

The Python API is what the ``positions`` command wraps::

    from positions import KnowledgeBase
    kb = KnowledgeBase.open()            # the bundled base, or a folder
    rows = kb.query("us-unacceptable-demands")
"""

from positions.errors import InputError, PositionsError, QueryRefused, UsageError
from positions.kb import KnowledgeBase

__all__ = ["InputError", "KnowledgeBase", "PositionsError", "QueryRefused", "UsageError"]
__version__ = "0.1.0"
