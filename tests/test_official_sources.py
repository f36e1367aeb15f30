"""Official sources: a party's body publishes a source, with genres for official texts.

docs/examples/official-source.ttl is validated as the docs show it; a person as
publisher is still refused.
"""

from __future__ import annotations

import json
from pathlib import Path

from positions import KnowledgeBase
from support import REPO, TURTLE_PREFIXES, cli, select

EXAMPLE = REPO / "docs" / "examples" / "official-source.ttl"


def test_the_official_genres_are_in_the_genre_scheme() -> None:
    rows = select(
        "SELECT ?g WHERE { ?g skos:inScheme pos:GenreScheme ; skos:prefLabel ?l ; "
        "skos:definition ?d }"
    )
    genres = {row["g"].rsplit("/", 1)[1] for row in rows}
    assert {"official-transcript", "official-statement", "treaty-text"} <= genres


def test_the_example_of_an_official_source_validates() -> None:
    result = cli("--kb", str(REPO), "validate", "--format", "json", str(EXAMPLE))
    assert result.exit_code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["violations"] == 0
    mine = {p["path"] for p in report["problems"] if "zakharova-statement" in p["focus"]}
    assert mine == {"pos:publishedOn", "pos:textSha256"}  # warnings: what the seeds lack


def test_the_example_adds_and_the_publisher_is_the_ministry(base: Path) -> None:
    result = cli("--kb", str(base), "add", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    kb = KnowledgeBase.open(base)
    rows = kb.query(
        "SELECT ?publisher ?class WHERE { kb:source-mfa-zakharova-statement "
        "dcterms:publisher ?publisher . ?publisher a ?class . "
        "kb:stmt-zakharova-ready-for-further-work pos:evidence/pos:via "
        "kb:source-mfa-zakharova-statement }"
    ).rows
    assert [(r["publisher"].value, r["class"].value) for r in rows] == [
        (
            "https://w3id.org/positions/id/russia-foreign-ministry",
            "https://w3id.org/positions/vocab#Ministry",
        )
    ]


def test_a_person_is_not_a_publisher(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        TURTLE_PREFIXES + "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        'kb:source-t a pos:Source ; rdfs:label "t"@en ; pos:genre genre:official-transcript ;\n'
        "    dcterms:publisher kb:maria-zakharova .\n",
        encoding="utf-8",
    )
    result = cli("--kb", str(REPO), "validate", str(bad))
    assert result.exit_code == 1
    assert "dcterms:publisher is at most one publisher: a pos:Outlet, or" in result.stdout
