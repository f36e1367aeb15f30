"""Duplicates caught (issue 18, point 4): a new node that looks like one the base has is
warned about by ``validate``, ``add`` and ``import``, naming both and the existing IRI;
under ``--strict`` nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from positions.checking.near import likeness, name_key
from support import TURTLE_PREFIXES, cli, tree_digest

# The base has kb:anthony-blinken "Anthony Blinken".
ANTONY = 'kb:antony-blinken a pos:Person ; rdfs:label "Antony Blinken"@en .\n'
SECOND = 'kb:blinken-second a pos:Person ; rdfs:label "Anthony Blinken"@en .\n'


def write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(TURTLE_PREFIXES + body, encoding="utf-8")
    return path


def test_validate_warns_about_a_spelling_variant_and_an_exact_twin(
    base: Path, tmp_path: Path
) -> None:
    new = write(tmp_path, "blinken.ttl", ANTONY + SECOND)
    result = cli("--kb", str(base), "validate", str(new))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "kb:antony-blinken (Antony Blinken) looks like kb:anthony-blinken" in out
    assert "looks like kb:anthony-blinken (Anthony Blinken)" in out
    assert "already in the base: the same name but for case, accents or spelling" in out
    assert "use kb:anthony-blinken instead" in out
    assert "kb:blinken-second (Anthony Blinken) looks like kb:anthony-blinken" in out
    assert "already in the base: the same name." in out
    # The two new nodes look like each other too.
    assert "looks like kb:antony-blinken (Antony Blinken), also new" in out
    assert "3 warnings" in out


@pytest.mark.parametrize("body", [ANTONY, SECOND])
def test_add_strict_refuses_a_duplicate_person_and_leaves_data_unchanged(
    base: Path, tmp_path: Path, body: str
) -> None:
    new = write(tmp_path, "person.ttl", body)
    before = tree_digest(base / "data")
    result = cli("--kb", str(base), "add", "--strict", str(new))
    assert result.exit_code == 1
    assert "looks like kb:anthony-blinken (Anthony Blinken)" in result.output
    assert "nothing was written" in result.output
    assert tree_digest(base / "data") == before


def test_add_without_strict_adds_and_warns(base: Path, tmp_path: Path) -> None:
    new = write(tmp_path, "person.ttl", ANTONY)
    result = cli("--kb", str(base), "add", str(new))
    assert result.exit_code == 0, result.output
    assert "Warning  kb:antony-blinken" in result.output
    assert "kb:antony-blinken" in (base / "data" / "people.ttl").read_text(encoding="utf-8")


def test_import_warns_at_the_row_of_a_duplicate_source(base: Path, tmp_path: Path) -> None:
    csv = tmp_path / "sources.csv"
    csv.write_text(
        "id,label,genre,published_on\n"
        'kb:source-again,"This is not a solution to colossal problems (the Frontier Post)",'
        "genre:news-report,2022-01-18\n",
        encoding="utf-8",
    )
    before = tree_digest(base / "data")
    result = cli("--kb", str(base), "import", "--strict", str(csv))
    assert result.exit_code == 1
    assert "  2: Warning  kb:source-again" in result.output
    assert "looks like kb:source-003" in result.output
    assert tree_digest(base / "data") == before


def test_a_different_person_and_a_new_statement_are_not_warned_about(
    base: Path, tmp_path: Path
) -> None:
    body = (
        'kb:someone-new a pos:Person ; rdfs:label "Karen Donfried Junior"@en .\n'
        'kb:sergei-lavrov-x a pos:Person ; rdfs:label "Sergei Ryabkin"@en .\n'
    )
    new = write(tmp_path, "people.ttl", body)
    result = cli("--kb", str(base), "validate", "--strict", str(new))
    assert "looks like" not in result.output, result.output


SPELLING = "the same name but for case, accents or spelling"


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        ("Antony Blinken", "Anthony Blinken", SPELLING),
        ("Sergei Ryabkov", "Sergey Ryabkov", SPELLING),
        ("Alexei Chepa", "Aleksey Chepa", SPELLING),
        ("Volodymyr Zelenskyy", "Volodymyr Zelensky", SPELLING),
        ("Sergéi Lavrov", "SERGEI LAVROV", SPELLING),
        ("Joseph R. Biden", "Joseph Biden", "the same name but for a middle initial"),
        ("Jens Stoltenberg", "Jens Stoltenburg", "nearly the same name"),
        ("NATO", "nato", "the same name"),
    ],
)
def test_names_alike(a: str, b: str, reason: str) -> None:
    assert likeness(a, b) == reason


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Russia", "Prussia"),
        ("Sergei Lavrov", "Sergei Ryabkov"),
        ("United States", "United Kingdom"),
        ("Draft agreement, part A", "Draft agreement, part B"),
        ("Lavrov–Blinken meeting, 21 January 2022", "Lavrov–Blinken meeting, 22 January 2022"),
    ],
)
def test_names_not_alike(a: str, b: str) -> None:
    assert likeness(a, b) is None, (name_key(a), name_key(b))


def test_an_alt_label_of_the_base_and_a_middle_initial(base: Path, tmp_path: Path) -> None:
    skos = "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
    first = write(
        tmp_path,
        "first.ttl",
        skos + 'kb:test-jon a pos:Person ; rdfs:label "J. Testperson"@en ;\n'
        '    skos:altLabel "Jonathan Q. Testperson"@en .\n',
    )
    assert cli("--kb", str(base), "add", str(first)).exit_code == 0
    second = write(
        tmp_path,
        "second.ttl",
        'kb:test-jonathan a pos:Person ; rdfs:label "Jonathan Testperson"@en .\n',
    )
    out = cli("--kb", str(base), "validate", str(second)).output
    assert (
        "kb:test-jonathan (Jonathan Testperson) looks like kb:test-jon (Jonathan Q. Testperson)"
        in out
    )
    assert "the same name but for a middle initial" in out


def test_a_large_kind_is_searched_for_the_same_name_only(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from positions.checking import duplicates

    monkeypatch.setattr(duplicates, "MOST_COMPARED", 5)  # the base has more people than 5
    new = write(tmp_path, "blinken.ttl", ANTONY + SECOND)
    out = cli("--kb", str(base), "validate", str(new)).output
    assert "kb:blinken-second (Anthony Blinken) looks like kb:anthony-blinken" in out
    assert "kb:antony-blinken (Antony Blinken) looks like kb:anthony-blinken" not in out
