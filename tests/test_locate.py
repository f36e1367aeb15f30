"""Problems are located in their files in one pass (issue 23: validation was quadratic).

Finding a problem's line used to scan the file once per problem: 1,000 / 2,000 /
4,000 CSV rows imported in 16 / 40 / 131 s.  Each file is now indexed once
(``checking.locate.LineIndex``); these tests count the scans and check that the
index gives the line the scan gave, for every kind of line.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph, URIRef

from positions.adding import csvimport
from positions.checking.locate import Locator
from positions.checking.sources import SourceFile
from positions.rdf.namespaces import DATA
from support import REPO


class CountingLines(list):
    """A file's lines that count how often they are walked through."""

    walks = 0

    def __iter__(self):
        CountingLines.walks += 1
        return super().__iter__()


class CountedFile(SourceFile):
    @cached_property
    def text_lines(self) -> list[str]:
        return CountingLines(super().text_lines)


def test_locating_many_problems_walks_the_file_a_fixed_number_of_times(tmp_path: Path) -> None:
    nodes = 400
    path = tmp_path / "many.ttl"
    blocks = [f'kb:n{i} a pos:Statement ;\n    rdfs:label "node {i}"@en .\n' for i in range(nodes)]
    prefixes = (
        "@prefix kb: <https://w3id.org/positions/id/> .\n"
        "@prefix pos: <https://w3id.org/positions/vocab#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n"
    )
    path.write_text(prefixes + "\n".join(blocks), encoding="utf-8")
    source = CountedFile.read(path, "many.ttl")
    locator = Locator([source], Graph())
    CountingLines.walks = 0

    lines = [locator.locate(URIRef(f"{DATA}n{i}")).line for i in range(nodes)]

    assert lines == [5 + 3 * i for i in range(nodes)]
    # Once for the prefixes, once for the index: not once per problem (today's
    # scan walked the lines 400 times and more).
    assert CountingLines.walks <= 2


def test_reading_rows_builds_the_set_of_ids_once(tmp_path: Path, monkeypatch) -> None:
    """csvimport made a set of every id of the file for each row: quadratic in rows."""
    from positions import KnowledgeBase

    kb = KnowledgeBase.open(REPO)
    made = []

    def counting_set(*args):
        made.append(1)
        return set(*args)

    monkeypatch.setattr(csvimport, "set", counting_set, raising=False)

    def sets_made(rows: int) -> int:
        path = tmp_path / f"{rows}" / "statements.csv"
        path.parent.mkdir()
        lines = ["id,label,speaker,party,stance,source,paraphrase"] + [
            f"kb:stmt-t{i},Statement {i},kb:alexei-chepa,kb:russia,stance:conditional,"
            f"kb:source-003,Words {i}."
            for i in range(rows)
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        made.clear()
        table = csvimport.read_csv(kb, path)
        assert len(table.rows) == rows
        return len(made)

    assert sets_made(50) == sets_made(5)


# -- the index finds what the scan found -------------------------------------------------


def scanned_line(source: SourceFile, iri: str, *, mentions: bool = False) -> int | None:
    """The line the file scan found before the index (the reference, kept as it was)."""
    spellings = [f"<{iri}>"] + [
        f"{prefix}:{iri[len(namespace) :]}"
        for prefix, namespace in source.prefixes.items()
        if namespace and iri.startswith(namespace)
    ]

    def starts(text: str, spelling: str) -> bool:
        rest = text[len(spelling) :]
        return text.startswith(spelling) and (not rest or rest[0] in " \t;,.")

    lines = source.text_lines
    if not mentions:
        for indented in (False, True):
            for number, line in enumerate(lines, 1):
                text = line.lstrip() if indented else line
                if any(starts(text, s) for s in spellings):
                    return number
        for number, line in enumerate(lines, 1):
            if '"@id"' in line and any(f'"{s}"' in line for s in spellings + [iri]):
                return number
    for number, line in enumerate(lines, 1):
        if any(s in line for s in spellings + [iri]):
            return number
    return None


PIECES = [
    "kb:a", "kb:a.b", "kb:ab", "<http://e.org/a>", "<http://e.org/a.b>", "http://e.org/a",
    " ", "\t", ";", ",", ".", '"', '"@id"', ": ", "a", "b", "\u00a0", "." * 20, "<", ">",
    '"kb:a"', '"http://e.org/a"', "\r",
]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(st.lists(st.sampled_from(PIECES), max_size=8).map("".join), max_size=10),
    local=st.sampled_from(["a", "a.b", "ab", "b", "a.", "x"]),
    mentions=st.booleans(),
)
def test_the_index_finds_the_line_the_scan_found(
    tmp_path_factory, lines: list[str], local: str, mentions: bool
) -> None:
    path = tmp_path_factory.mktemp("lines") / "f.ttl"
    path.write_text("\n".join(["@prefix kb: <http://e.org/> .", *lines]), encoding="utf-8")
    source = SourceFile(path, "f.ttl", [])
    iri = "http://e.org/" + local
    found = Locator([source], Graph()).find_line(source, URIRef(iri), mentions=mentions)
    assert found == scanned_line(source, iri, mentions=mentions)


def test_the_index_finds_the_lines_the_scan_found_in_every_file_of_the_repository() -> None:
    paths = [
        *sorted((REPO / "data").glob("*.ttl")),
        *sorted((REPO / "ontology").rglob("*.ttl")),
        *sorted((REPO / "tests" / "shapes").glob("*.ttl")),
        *sorted((REPO / "tests" / "shapes" / "formats").glob("no-speaker.*")),
    ]
    checked = 0
    for path in paths:
        source = SourceFile.read(path, path.name)
        locator = Locator([source], Graph())
        iris = {q.subject.value for q in source.quads if hasattr(q.subject, "value")}
        iris |= {q.object.value for q in source.quads if type(q.object).__name__ == "NamedNode"}
        for iri in sorted(i for i in iris if i.startswith("http")):
            for mentions in (False, True):
                found = locator.find_line(source, URIRef(iri), mentions=mentions)
                assert found == scanned_line(source, iri, mentions=mentions), (path, iri)
                checked += 1
    assert checked > 1000


def test_a_line_with_a_long_run_of_stops_is_still_found() -> None:
    """A first word with many '.' (a literal's line) is tried term by term, not indexed."""
    from positions.checking.locate import LineIndex

    index = LineIndex(["x", "kb:a" + "." * 40, "kb:a ."])
    assert index.subject_line(["kb:a"], indented=False) == 2
    assert index.odd  # kept aside, not 40 keys


def test_the_generated_rows_of_the_benchmark_are_each_reported_at_their_row(
    tmp_path: Path,
) -> None:
    """bench/validate_scale.py's rows: two warnings each, at the row's line of the CSV.

    (About 1.5 s: an import end to end, pyshacl over the bundled base.)
    """
    from positions import KnowledgeBase
    from support import bench_module

    path = tmp_path / "statements.csv"
    bench_module("validate_scale").write_rows(path, 30)
    outcome = KnowledgeBase.open(REPO).import_csv(path, dry_run=True)
    assert not outcome.written and outcome.report is not None
    problems = outcome.report.problems
    assert len(problems) == 60 and {p.severity for p in problems} == {"Warning"}
    by_row = sorted((p.line, p.focus_compact) for p in problems)
    assert by_row == sorted(
        (row + 2, f"kb:stmt-generated-{row:06d}") for row in range(30) for _ in range(2)
    )
    assert {p.file for p in problems} == {path.as_posix()}
