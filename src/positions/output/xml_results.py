"""SPARQL Query Results XML Format (W3C, 2013): SELECT rows and ASK answers as XML.

    text = results_xml(result)      # the document, ending in a newline

The other result formats (JSON, CSV, TSV) are in :mod:`positions.output.render`; this one
is written only by ``positions serve``'s endpoint, so ``positions query`` never imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

if TYPE_CHECKING:
    from positions.sparql.engine import QueryResult


def results_xml(result: QueryResult) -> str:
    """SPARQL Query Results XML Format (W3C, 2013)."""
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if result.kind == "ask":
        out.append(f"<head/><boolean>{'true' if result.boolean else 'false'}</boolean></sparql>")
        return "\n".join(out) + "\n"
    out.append(
        "<head>"
        + "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables)
        + "</head><results>"
    )
    for row in result.rows:
        cells = "".join(
            f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
            for v, t in row.items()
            if t is not None
        )
        out.append(f"<result>{cells}</result>")
    out.append("</results></sparql>")
    return "\n".join(out) + "\n"


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{xml_escape(term.value)}</literal>"
    return f"<literal datatype={quoteattr(term.datatype.value)}>{xml_escape(term.value)}</literal>"
