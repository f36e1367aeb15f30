"""Source texts in the base (sources/<name>.txt, pos:textSha256) and the quote-in-text rule.

The bundled sources carry the seed texts byte for byte; every excerpt of a
source with a text must be in it (positions.checking.texts), for ``add`` and
``validate``, whole and incremental.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.base.layout import Layout
from positions.checking.incremental import validate_new
from positions.checking.texts import normalise
from positions.checking.validate import validate
from positions.errors import NotABase
from support import REPO, SEEDS, TURTLE_PREFIXES, cli, select, tree_digest

# A statement of source 003 in the source's words, with straight apostrophes where
# the text has typographic ones (normalised away), and the same with one word changed.
QUOTE = (
    "the West's consistent attempts to change   the balance of power in the field of "
    "strategic stability in its favor"
)
STATEMENT = """
kb:stmt-test-kosachev-balance
    a pos:Statement ;
    rdfs:label "Test: Kosachev on the balance of power"@en ;
    pos:speaker kb:konstantin-kosachev ;
    pos:inRole kb:kosachev-federation-council-deputy-chairman ;
    pos:onBehalfOf kb:russia ;
    pos:occasion kb:kosachev-remarks-to-rt ;
    pos:stance stance:rejects ;
    pos:target kb:russia-security-proposals-2021 ;
    pos:targetScope scope:whole ;
    pos:evidence [
        pos:source kb:source-003 ;
        pos:quote "{quote}"
    ] .
"""


def write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(TURTLE_PREFIXES + body, encoding="utf-8")
    return path


def statement(folder: Path, quote: str) -> Path:
    return write(folder, "new.ttl", STATEMENT.replace("{quote}", quote))


# -- the bundled base ---------------------------------------------------------------------


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"source texts not found at {SEEDS}")
def test_bundled_sources_carry_the_seed_texts_byte_for_byte() -> None:
    rows = select(
        "SELECT ?source ?copy ?sha WHERE { ?source pos:localCopy ?copy ; pos:textSha256 ?sha }"
    )
    assert len(rows) == len(list(SEEDS.glob("*.txt"))) == 5
    layout = Layout(REPO)
    for row in rows:
        text = layout.source_text(row["source"].rsplit("/", 1)[1])
        assert text is not None, row
        assert text.read_bytes() == (SEEDS / row["copy"]).read_bytes()
        assert hashlib.sha256(text.read_bytes()).hexdigest() == row["sha"]


def test_the_bundled_base_has_no_text_violation() -> None:
    report = validate(KnowledgeBase.open(REPO))
    texts = [p for p in report.problems if p.source_shape == "checks/source-texts"]
    assert texts == []
    # The Washington Post piece, known only through source 001, has no text: a warning.
    no_text = [p.focus_compact for p in report.problems if "has no text" in p.message]
    assert no_text == ["kb:source-wapo-no-grounds"]


def test_normalising_sets_spaces_and_typographic_quotes_aside() -> None:
    assert normalise("“It’s  a\n\tdeal,” he said ") == normalise('"It\'s a deal," he said')
    assert normalise("slam closed") != normalise("slam shut")


# -- add ----------------------------------------------------------------------------------


def test_add_refuses_a_quote_that_is_not_in_its_source_text(base: Path, tmp_path: Path) -> None:
    digest = tree_digest(base / "data")
    wrong = statement(tmp_path, QUOTE.replace("change", "shift"))
    result = cli("--kb", str(base), "add", str(wrong))
    assert result.exit_code == 1, result.output
    out = result.stdout + result.stderr
    assert "nothing was written" in out
    assert "This quote is not in the text of kb:source-003 (sources/source-003.txt)" in out
    # At the line where the quote is written in the new file.
    line = next(
        n for n, text in enumerate(wrong.read_text().splitlines(), 1) if "pos:quote" in text
    )
    assert f"{line}: Violation  kb:stmt-test-kosachev-balance pos:evidence [blank node]" in out
    assert tree_digest(base / "data") == digest


def test_add_accepts_the_quote_as_the_source_has_it(base: Path, tmp_path: Path) -> None:
    result = cli("--kb", str(base), "add", str(statement(tmp_path, QUOTE)))
    assert result.exit_code == 0, result.output
    assert "Added" in result.stdout
    assert "not in the text" not in result.stdout


def test_incremental_validation_applies_the_rule_too(base: Path, tmp_path: Path) -> None:
    kb = KnowledgeBase.open(base)
    wrong = validate_new(kb, [statement(tmp_path, QUOTE.replace("change", "shift"))])
    assert [p.source_shape for p in wrong.problems if p.severity == "Violation"] == [
        "checks/source-texts"
    ]
    right = validate_new(kb, [statement(tmp_path, QUOTE)])
    assert right.violations == 0


def test_a_new_source_without_a_text_is_warned_about(base: Path, tmp_path: Path) -> None:
    new = write(
        tmp_path,
        "source.ttl",
        'kb:source-test a pos:Source ; rdfs:label "A test source"@en ; '
        'pos:genre genre:news-report ; pos:publishedOn "2022-01-20"^^xsd:date .\n',
    )
    report = validate(KnowledgeBase.open(base), [new])
    assert [(p.focus_compact, p.severity) for p in report.problems] == [
        ("kb:source-test", "Warning")
    ]
    assert "has no text in the base" in report.problems[0].message


def test_a_new_source_with_its_text_checks_its_quotes(base: Path, tmp_path: Path) -> None:
    text = "The minister said: “We are ready to talk.”\nNothing else was said.\n"
    (base / "sources" / "source-test.txt").write_text(text, encoding="utf-8")
    sha = hashlib.sha256(text.encode()).hexdigest()
    body = (
        f'kb:source-test a pos:Source ; rdfs:label "A test source"@en ; '
        f'pos:genre genre:news-report ; pos:publishedOn "2022-01-20"^^xsd:date ; '
        f'pos:textSha256 "{sha}" .\n'
        "kb:stmt-kosachev-does-not-hold-water pos:evidence "
        '[ pos:source kb:source-test ; pos:paraphrase "{words}" ] .\n'
    )
    kb = KnowledgeBase.open(base)
    good = validate(kb, [write(tmp_path, "a.ttl", body.replace("{words}", '\\"We are ready'))])
    assert good.violations == 0, good.to_text()
    assert [p for p in good.problems if "source-test" in p.focus_compact] == []
    bad = validate(kb, [write(tmp_path, "b.ttl", body.replace("{words}", "We are willing"))])
    assert [p.message.split(" (")[0] for p in bad.problems if p.severity == "Violation"] == [
        "This paraphrase is not in the text of kb:source-test"
    ]


# -- the texts themselves -----------------------------------------------------------------


def test_a_changed_text_is_a_violation(base: Path) -> None:
    path = base / "sources" / "source-002.txt"
    path.write_bytes(path.read_bytes().replace(b"Tuesday", b"Monday", 1))
    result = cli("--kb", str(base), "validate")
    assert result.exit_code == 1, result.output
    assert "The text sources/source-002.txt does not match this pos:textSha256" in result.stdout


def test_a_missing_text_is_a_warning_and_its_quotes_go_unchecked(base: Path) -> None:
    (base / "sources" / "source-004.txt").unlink()
    report = validate(KnowledgeBase.open(base))
    assert report.violations == 0
    missing = [p for p in report.problems if p.focus_compact == "kb:source-004"]
    assert any("this base has no text sources/source-004.txt" in p.message for p in missing)


def test_a_text_that_links_outside_the_base_is_refused(base: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("private", encoding="utf-8")
    text = base / "sources" / "source-000.txt"
    text.unlink()
    os.symlink(secret, text)
    with pytest.raises(NotABase, match="symbolic link to a file outside the base"):
        Layout(base).source_text("source-000")
    assert Layout(base).source_text("../data/sources") is None
    assert Layout(base).source_text(".hidden") is None


def test_the_wheel_bundles_the_texts_with_the_base() -> None:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert wheel["sources"] == "positions/_base/sources"
    assert "sources" in project["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
