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
    # A store in memory is not reloaded: its index stays as it was, and is not stamped
    # with the files' new state (else the next process would keep the old words).
    assert not kb.search("zyxwv")
    fresh = KnowledgeBase.open(base)  # a new store: the files are read again
    assert [h.iri for h in fresh.search("zyxwv", kinds=["person"])] == [KB + "sergei-ryabkov"]
    assert (base / ".positions-cache" / "search.sqlite").exists()


# --- facets ---------------------------------------------------------------------------


def links(text: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', text)]


def test_statements_filtered_by_party_then_stance_through_links(site, kb) -> None:
    _, text = get(site, "/id/united-states")
    party = next(h for h in links(text) if h == "/statements?party=kb%3Aunited-states")
    status, text = get(site, party)
    assert status == 200
    ours = kb.query("statements", party="kb:united-states").to_dicts()
    assert f'<p class="result-count">{len(ours)} statements</p>' in text
    stance = text[text.index('data-facet="stance"') :].split("</details>")[0]
    rejects = re.search(r'href="([^"]+)">rejects</a> <span class="n">(\d+)</span>', stance)
    expected = [r for r in ours if r["stanceLabel"] == "rejects"]
    assert int(rejects.group(2)) == len(expected)
    status, text = get(site, unescape(rejects.group(1)))
    assert status == 200
    rows = re.findall(r'<tr data-iri="([^"]+)"', text)
    assert sorted(rows) == sorted(r["statement"] for r in expected)
    assert "Filtered by" in text and "United States" in text


def test_facet_counts_add_up_and_dates_filter(site, kb) -> None:
    _, text = get(site, "/statements?since=2022-01-10&until=2022-01-10")
    every = kb.query("statements", since="2022-01-10", until="2022-01-10").to_dicts()
    assert f"{len(every)} statements" in text
    party = text[text.index('data-facet="party"') :].split("</details>")[0]
    counts = [int(n) for n in re.findall(r'<span class="n">(\d+)</span>', party)]
    assert sum(counts) == len(every)  # one party per statement


def test_demands_facets(site, kb) -> None:
    status, text = get(site, "/demands?topic=topic:missile-deployment")
    assert status == 200
    rows = re.findall(r'<tr data-iri="([^"]+)"', text)
    assert rows and all("demand" in r for r in rows)


def test_facet_list_downloads_and_typed_names(site) -> None:
    response = site.handle("GET", "/statements?party=United+States&format=csv", {})
    assert response.status == 200 and response.content_type.startswith("text/csv")
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(response.body.decode("utf-8"))))
    assert rows and {r["party"] for r in rows} == {KB + "united-states"}
    status, text = get(site, "/statements?speaker=Nobody+Atall")
    assert status == 400 and "no node is called" in text


def test_facet_list_pages(site) -> None:
    _, text = get(site, "/statements?size=10")
    assert "Rows 1–10 of" in text
    nxt = unescape(re.search(r'rel="next" href="([^"]+)"', text).group(1))
    _, second = get(site, nxt)
    assert "Rows 11–20 of" in second
    first_rows = set(re.findall(r'<tr data-iri="([^"]+)"', text))
    assert first_rows.isdisjoint(re.findall(r'<tr data-iri="([^"]+)"', second))


# --- saved-query results ----------------------------------------------------------------


def test_saved_query_results_have_downloads_headers_and_paging(site, kb) -> None:
    _, text = get(site, "/queries/statements?party=kb%3Aunited-states&run=1&size=5")
    expected = kb.query("statements", party="kb:united-states").to_dicts()
    assert f"{len(expected)} rows" in text
    assert f"Rows 1–5 of {len(expected)}" in text
    head = text[text.index("<thead>") : text.index("</thead>")]
    assert ">Statement</th>" in head and ">Party</th>" in head
    assert "statementLabel" not in re.sub(r'(data-var|title)="[^"]*"', "", head)
    assert 'data-var="statement"' not in head  # the node column is hidden; its label links
    csv_link = unescape(re.search(r'href="([^"]+format=csv)"', text).group(1))
    response = site.handle("GET", csv_link, {})
    assert response.content_type.startswith("text/csv")
    assert response.body.decode().count("\n") == len(expected) + 1
    assert "attachment" in response.headers["Content-Disposition"]
    json_link = unescape(re.search(r'href="([^"]+format=json)"', text).group(1))
    import json

    answer = json.loads(site.handle("GET", json_link, {}).body)
    assert len(answer["results"]["bindings"]) == len(expected)
    permalink = unescape(re.search(r'class="permalink" href="([^"]+)"', text).group(1))
    assert "party=kb%3Aunited-states" in permalink and "run=1" in permalink


def test_descriptions_show_code(site) -> None:
    _, text = get(site, "/queries/statements")
    description = text.split("<details>")[0]
    assert "<code>party</code>" in description and "`party`" not in description


def test_stances_and_topics_on_a_statement_page_link_to_their_lists(site) -> None:
    _, text = get(site, "/id/stmt-sherman-open-door")
    hrefs = links(text)
    assert "/statements?stance=stance%3Arejects" in hrefs
    _, text = get(site, "/id/demand-no-nato-enlargement")
    assert "/statements?topic=topic%3Anato-enlargement" in links(text)


def test_report_views_link_stances_to_their_statements(site) -> None:
    _, text = get(site, "/matrix")
    hrefs = links(text)
    assert "/statements?stance=stance%3Arejects" in hrefs  # legend and matrix pop-ups
    status, listed = get(site, "/statements?stance=stance%3Arejects")
    assert status == 200 and "Filtered by" in listed


def test_the_server_builds_the_search_index_at_start(base) -> None:
    index = base / ".positions-cache" / "search.sqlite"
    assert not index.exists()
    server = KnowledgeBase.open(base).web_server(port=0, timeout=5, max_rows=100)
    try:
        thread = next(t for t in __import__("threading").enumerate() if t.name == "search-index")
        thread.join(10)
        assert index.exists()
    finally:
        server.server_close()


def test_browse_lists_every_node_kind_by_kind(site, kb) -> None:
    _, text = get(site, "/browse")
    listed = set(re.findall(r'<li><a href="/id/([^"]+)"', text))
    every = {r["entity"][len(KB) :] for r in kb.query("entity-index").to_dicts()}
    assert listed == every
    assert "all of them" not in text  # fewer than 1,000 statements: all listed


def test_a_long_list_pages_in_store_order_and_counts_few_facets(kb, monkeypatch) -> None:
    import positions.web.facetpages as facetpages

    monkeypatch.setattr(facetpages, "MANY", 10)  # as a base of more than 20,000 would
    site = Site(kb)
    _, first = get(site, "/statements?size=10")
    _, second = get(site, "/statements?size=10&page=2")
    one = re.findall(r'<tr data-iri="([^"]+)"', first)
    two = re.findall(r'<tr data-iri="([^"]+)"', second)
    assert len(one) == len(two) == 10 and not set(one) & set(two)
    assert '<details class="facet" data-facet="party"' in first
    assert '<details class="facet" data-facet="speaker"' not in first
    assert "in the store's order" in first
    _, narrowed = get(site, "/statements?party=kb%3Aunited-states&stance=stance%3Arejects")
    assert '<details class="facet" data-facet="speaker"' in narrowed  # 3: every facet
