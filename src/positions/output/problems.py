"""Validation reports on a terminal: the text of :meth:`Report.to_text`, with the
severities in colour (rich), or plain into a pipe."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from positions.checking.report import Report


def write_report(report: Report, out: TextIO, *, show_warnings: bool = True) -> None:
    """The report as text: plain into a pipe or file, with colour on a terminal."""
    if not out.isatty():
        out.write(report.to_text(show_warnings=show_warnings))
        return
    from rich.console import Console
    from rich.text import Text

    from positions.checking.report import VIOLATION, problem_lines

    console = Console(file=out, highlight=False, soft_wrap=True)
    colours = {"Violation": "bold red", "Warning": "yellow", "Info": "cyan"}
    for file, problems in report.by_file().items():
        shown = [p for p in problems if show_warnings or p.severity == VIOLATION]
        if not shown:
            continue
        console.print(Text(file or "(not defined in any file)", style="bold underline"))
        for problem in shown:
            head, *rest = problem_lines(problem)
            line = Text(head)
            start = head.index(": ") + 2  # the severity follows the line number
            line.stylize(colours.get(problem.severity, ""), start, start + len(problem.severity))
            console.print(line)
            for text in rest:
                console.print(Text(text, style="dim" if text.strip().startswith("path") else ""))
        console.print()
    style = "bold red" if report.violations else ("yellow" if report.warnings else "green")
    console.print(Text(report.summary(), style=style))
