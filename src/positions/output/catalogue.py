"""The saved queries as text: the list that ``positions queries`` prints, and one
query in full with an example call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from positions.sparql.catalogue import Catalogue
    from positions.sparql.saved import Parameter, SavedQuery


def list_queries(catalogue: Catalogue, width: int | None = None) -> str:
    """A table of the saved queries (name, summary, parameters, tags) and a count."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    queries = catalogue.all()
    if not queries:
        return f"No saved queries in {catalogue.folder}.\n"
    table = Table(header_style="bold")
    for column in ("name", "summary", "parameters", "tags"):
        table.add_column(column, overflow="fold")
    for query in queries:
        params = ", ".join(_param_brief(p) for p in query.parameters) or "-"
        table.add_row(
            Text(query.name), Text(query.summary), Text(params), Text(", ".join(query.tags))
        )
    return (
        _to_text(Console, table, width)
        + f"{len(queries)} saved queries; `positions queries NAME` shows one.\n"
    )


def _param_brief(parameter: Parameter) -> str:
    mark = "" if parameter.needs_value else "?"
    return f"{parameter.name}{mark}:{parameter.kind}"


def describe_query(query: SavedQuery) -> str:
    """One saved query in full: description, parameters, file, text and an example call."""
    lines = [f"{query.name} ({query.kind.upper()})", ""]
    if query.summary:
        lines += [query.summary, ""]
    if query.description:
        lines += [query.description, ""]
    if query.tags:
        lines += [f"Tags: {', '.join(query.tags)}", ""]
    if query.parameters:
        lines.append("Parameters:")
        for parameter in query.parameters:
            lines.append(f"  -p {parameter.describe()}")
            if parameter.choices:
                lines.append(f"     one of: {', '.join(str(c) for c in parameter.choices)}")
        lines.append("")
    lines += [
        f"File: {query.path}",
        "",
        query.text.rstrip(),
        "",
        "Example:",
        f"  {query.example_call()}",
    ]
    return "\n".join(lines) + "\n"


def _to_text(console_class: Any, renderable: Any, width: int | None) -> str:
    import io

    buffer = io.StringIO()
    width = width or 120
    console_class(file=buffer, width=width, color_system=None, highlight=False).print(renderable)
    return buffer.getvalue()
