"""The server's pages say what the rows say: counts, roles, links, the headline, forms.

Pages are asked of :class:`Site` directly (no socket): ``site.handle("GET", path, {})``.
"""

from __future__ import annotations

import re
import shlex
from html import unescape
from urllib.parse import quote

import pytest

from positions import KnowledgeBase
from positions.web.server import Site
from support import KB, REPO


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.open(REPO)


@pytest.fixture(scope="module")
def site(kb: KnowledgeBase) -> Site:
    return Site(kb)


def get(site: Site, path: str) -> tuple[int, str]:
    response = site.handle("GET", path, {})
    return response.status, response.body.decode("utf-8")


def section(text: str, heading: str) -> str:
    """The HTML from the <h2> that starts with ``heading`` to the next <h2>."""
    start = text.index(f"<h2>{heading}")
    end = text.find("<h2>", start + 4)
    return text[start : end if end > 0 else len(text)]


def test_statement_count_matches_rows_and_each_statement_once(site: Site, kb) -> None:
    status, text = get(site, "/id/united-states")
    assert status == 200
    part = section(text, "Statements")
    count = int(re.search(r"<h2>Statements \((\d+)\)", part).group(1))
    rows = re.findall(r'<tr data-statement="([^"]+)"', part)
    assert len(rows) == count == len(set(rows))
    distinct = {
        r["statement"] for r in kb.query("node-statements", node="kb:united-states").to_dicts()
    }
    assert set(rows) == distinct
    # A statement in which the party is both spoken for and addressed shows both roles.
    roles = kb.query("node-statements", node="kb:united-states").to_dicts()
    several = {r["statement"] for r in roles} - {
        s for s in {r["statement"] for r in roles} if sum(x["statement"] == s for x in roles) == 1
    }
    assert several, "the bundled base has statements with two roles for the United States"
    one = sorted(several)[0]
    row = part[part.index(f'<tr data-statement="{one}"') :].split("</tr>")[0]
    for r in roles:
        if r["statement"] == one:
            assert r["role"] in row


def test_person_roles_on_top(site: Site) -> None:
    _, text = get(site, "/id/sergei-ryabkov")
    roles = section(text, "Roles")
    assert "Deputy Foreign Minister" in roles
    assert text.index("<h2>Roles") < text.index("<h2>What the base says")


def test_sources_are_links(site: Site) -> None:
    _, text = get(site, "/id/sergei-ryabkov")
    part = section(text, "Statements")
    assert re.search(r'<a href="/id/source-\d+[^"]*">[^<]*Biden Regime Rejects', part)


def test_home_headline_answers_on_top(site: Site, kb: KnowledgeBase) -> None:
    _, text = get(site, "/")
    headline = text[text.index('<section id="headline"') :].split("</section>")[0]
    assert "Which demands did the United States call unacceptable or reject?" in headline
    assert 'href="/queries/us-unacceptable-demands' in headline
    for row in kb.query("us-unacceptable-demands").to_dicts():
        label = row["demandLabel"] or row["speakerLabel"]
        assert unescape(label) in unescape(headline)
    assert text.index('<section id="headline"') < text.index('<section id="legend"')


def test_form_resolves_a_typed_name_and_quotes_the_command(site: Site) -> None:
    status, text = get(site, "/queries/person-statements?person=Sergei+Ryabkov&run=1")
    assert status == 200, text
    assert 'href="/id/stmt-ryabkov-geneva-ukraine-never-nato"' in text
    same = unescape(re.search(r"Same as <code>([^<]+)</code>", text).group(1))
    assert shlex.split(same) == [
        "positions",
        "query",
        "person-statements",
        "-p",
        "person=kb:sergei-ryabkov",
    ]


def test_form_offers_a_choice_when_two_match(site: Site) -> None:
    status, text = get(site, "/queries/person-statements?person=" + quote("Sergei") + "&run=1")
    assert status == 400
    assert "Sergei Ryabkov" in text and "Sergei Lavrov" in text
    assert "person=kb%3Asergei-ryabkov" in text


def test_form_says_when_nothing_matches(site: Site) -> None:
    status, text = get(site, "/queries/person-statements?person=Nobody+Atall&run=1")
    assert status == 400
    assert "no node is called" in text.lower()


def test_same_as_quotes_values_with_spaces(site: Site) -> None:
    _, text = get(site, "/queries/statements?since=2022-01-10&run=1")
    same = unescape(re.search(r"Same as <code>([^<]+)</code>", text).group(1))
    assert shlex.split(same)[-2:] == ["-p", "since=2022-01-10"]


def test_statement_node_is_linked_from_entity_page(site: Site) -> None:
    assert KB  # the pages link nodes of the base by their local names
    _, text = get(site, "/id/russia")
    assert 'href="/id/stmt-ryabkov-geneva-ukraine-never-nato"' in text


def test_form_resolves_an_alternative_label(site: Site) -> None:
    status, text = get(site, "/queries/person-statements?person=sergey+ryabkov&run=1")
    assert status == 200
    assert "person=kb:sergei-ryabkov" in unescape(text)


# --- search --------------------------------------------------------------------------


def test_every_page_has_the_search_box(site: Site) -> None:
    for path in ("/", "/matrix", "/browse", "/queries", "/queries/statements", "/id/russia"):
        _, text = get(site, path)
        assert '<form class="search" role="search"' in text, path
        assert 'name="q"' in text


def test_search_finds_a_person_and_their_statements(site: Site, kb: KnowledgeBase) -> None:
    status, text = get(site, "/search?q=ryabkov")
    assert status == 200
    found = re.findall(r'<li data-iri="([^"]+)" data-kind="([^"]+)"', text)
    assert found[0] == (KB + "sergei-ryabkov", "person")
    said = {r["statement"] for r in kb.query("person-statements").to_dicts()}
    assert said <= {iri for iri, kind in found if kind == "statement"}


def test_search_by_alternative_label_quote_and_prefix(site: Site) -> None:
    _, text = get(site, "/search?q=Sergey")
    assert f'data-iri="{KB}sergei-ryabkov"' in text
    _, text = get(site, "/search?q=slam+closed")  # words of a quote only
    assert f'data-iri="{KB}stmt-sherman-open-door"' in text
    _, text = get(site, "/search?q=Donfr")  # the start of a word
    assert f'data-iri="{KB}karen-donfried"' in text


def test_search_as_json_and_by_kind(site: Site) -> None:
    response = site.handle("GET", "/search?q=nato&kind=demand&format=json", {})
    import json

    hits = json.loads(response.body)["hits"]
    assert hits and {h["kind"] for h in hits} == {"demand"}
    assert any(h["iri"] == KB + "demand-no-nato-enlargement" for h in hits)


def test_search_is_safe_with_fts_syntax(site: Site) -> None:
    for text in ('"', "NEAR(", "a OR", "*", "-x", "label:foo"):
        status, _ = get(site, "/search?q=" + quote(text))
        assert status == 200


def test_search_index_follows_the_files(base) -> None:
    kb = KnowledgeBase.open(base)
    assert not kb.search("zyxwv")
    people = base / "data" / "people.ttl"
    text = people.read_text(encoding="utf-8")
    people.write_text(
        text.replace('"Sergey Ryabkov"@en', '"Sergey Ryabkov"@en, "Zyxwv Ryabkov"@en'),
        encoding="utf-8",
    )
    fresh = KnowledgeBase.open(base)  # a new store: the files are read again
    assert [h.iri for h in fresh.search("zyxwv", kinds=["person"])] == [KB + "sergei-ryabkov"]
    assert (base / ".positions-cache" / "search.sqlite").exists()
