"""What an analyst does in the served site, in a real browser (Debian's Chromium driven by
Playwright, as tests/test_browser.py): search, narrow by links, download, query, and read
every page on a phone and a desktop without sideways scrolling.

Screenshots of every page at 390 and 1280 pixels go to ``$POSITIONS_SHOTS`` (else
``bench/out/screenshots/``, ignored by git).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browsing import launched_browser, served
from positions import KnowledgeBase
from positions.output.html_report import build_report
from support import KB, REPO

SHOTS = Path(os.environ.get("POSITIONS_SHOTS") or REPO / "bench" / "out" / "screenshots")
WIDTHS = (390, 1280)
PAGES = [
    "/",
    "/matrix",
    "/timeline",
    "/sources",
    "/gaps",
    "/browse",
    "/queries",
    "/queries/us-unacceptable-demands",
    "/queries/statements?run=1",
    "/statements",
    "/statements?party=kb%3Aunited-states&stance=stance%3Arejects",
    "/demands",
    "/search?q=ryabkov",
    "/id/united-states",
    "/id/sergei-ryabkov",
    "/id/stmt-sherman-open-door",
    "/id/demand-no-nato-enlargement",
    "/id/source-004",
    "/sparql",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_browser() as launched:
        yield launched


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.open(REPO)


@pytest.fixture(scope="module")
def base_url(kb: KnowledgeBase) -> Iterator[str]:
    with served(kb) as url:
        yield url


def new_page(browser: Any, width: int = 1280) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": 900 if width > 800 else 844}, accept_downloads=True
    )
    context.route(
        lambda url: not url.startswith(("file:", "http://127.0.0.1", "blob:", "data:")),
        lambda route: route.abort(),
    )
    return context.new_page()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    opened = new_page(browser)
    yield opened
    opened.context.close()


def test_search_box_finds_ryabkovs_statements(page: Any, base_url: str, kb) -> None:
    page.goto(base_url + "/matrix")
    page.fill('nav form.search input[name="q"]', "ryabkov")
    page.press('nav form.search input[name="q"]', "Enter")
    page.wait_for_url("**/search?q=ryabkov")
    hits = page.locator("ol.hits li")
    assert hits.first.get_attribute("data-iri") == KB + "sergei-ryabkov"
    found = {
        hits.nth(i).get_attribute("data-iri")
        for i in range(hits.count())
        if hits.nth(i).get_attribute("data-kind") == "statement"
    }
    said = {r["statement"] for r in kb.query("person-statements").to_dicts()}
    assert said and said <= found
    page.locator("ol.hits li", has_text="Ryabkov: Ukraine must never join NATO").locator(
        "a"
    ).first.click()
    page.wait_for_url("**/id/stmt-ryabkov-geneva-ukraine-never-nato")


def test_us_statements_filtered_by_rejects_through_links(page: Any, base_url: str, kb) -> None:
    page.goto(base_url + "/id/united-states")
    page.locator("a", has_text="Filter these statements").click()
    page.wait_for_url("**/statements?party=kb%3Aunited-states")
    page.locator('details[data-facet="stance"] a', has_text="rejects").first.click()
    page.wait_for_url("**stance=stance%3Arejects**")
    rows = page.locator("table.results tbody tr")
    expected = [
        r
        for r in kb.query("statements", party="kb:united-states").to_dicts()
        if r["stanceLabel"] == "rejects"
    ]
    assert rows.count() == len(expected) > 0
    got = {rows.nth(i).get_attribute("data-iri") for i in range(rows.count())}
    assert got == {r["statement"] for r in expected}
    assert page.locator(".result-count").inner_text() == f"{len(expected)} statements"


def test_download_a_result_as_csv(page: Any, base_url: str, kb, tmp_path: Path) -> None:
    page.goto(base_url + "/queries/us-unacceptable-demands")
    with page.expect_download() as download:
        page.locator(".downloads a", has_text="CSV").click()
    path = tmp_path / "rows.csv"
    download.value.save_as(path)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = kb.query("us-unacceptable-demands").to_dicts()
    assert [r["statement"] for r in rows] == [r["statement"] for r in expected]
    assert download.value.suggested_filename == "us-unacceptable-demands.csv"


def test_sortable_columns(page: Any, base_url: str) -> None:
    page.goto(base_url + "/queries/statements?run=1")
    header = page.locator("table.results thead th", has_text="Speaker")
    header.click()
    column = header.evaluate("th => Array.prototype.indexOf.call(th.parentNode.children, th)")
    cells = page.locator(f"table.results tbody tr td:nth-child({column + 1})").all_inner_texts()
    assert cells == sorted(cells, key=str.casefold)
    header.click()
    again = page.locator(f"table.results tbody tr td:nth-child({column + 1})").all_inner_texts()
    assert again == sorted(cells, key=str.casefold, reverse=True)


def test_editor_runs_a_query_into_a_table(page: Any, base_url: str) -> None:
    page.goto(base_url + "/sparql")
    assert page.locator(".editor pre.shade .k").count() > 0  # keywords coloured
    page.fill(
        "#editor textarea",
        "SELECT ?party ?partyLabel WHERE { ?party a pos:State ; rdfs:label ?partyLabel } "
        "ORDER BY ?partyLabel",
    )
    with page.expect_response(lambda r: "/sparql?query=" in r.url) as response:
        page.click('#editor button[type="submit"]')
    assert response.value.request.headers["accept"].startswith("application/sparql-results+json")
    table = page.locator("#answer table.results")
    table.wait_for()
    assert page.locator("#answer thead th").all_inner_texts() == ["Party"]
    assert "Russia" in page.locator("#answer tbody").inner_text()
    assert page.locator("#answer a", has_text="Russia").get_attribute("href") == "/id/russia"
    assert page.locator("#answer .downloads a", has_text="CSV").count() == 1
    page.click("#editor details.prefixes summary")
    page.click('#editor button[data-prefix="pos"]')
    assert page.input_value("#editor textarea").startswith("PREFIX pos: <")


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(browser: Any, base_url: str, kb, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    report = SHOTS / "report.html"
    report.write_text(build_report(kb), encoding="utf-8")
    page = new_page(browser, width)
    wide = []
    try:
        for path in [*PAGES, "report"]:
            page.goto(report.as_uri() if path == "report" else base_url + path)
            if path == "/sparql":
                page.click('#editor button[type="submit"]')
                page.locator("#answer table").wait_for()
            sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            if sizes[0] > sizes[1]:
                wide.append((path, sizes))
            slug = path.strip("/").replace("/", "-").replace("?", "-").replace("%3A", "-")
            slug = "".join(c if c.isalnum() or c in "-_" else "-" for c in slug) or "home"
            page.screenshot(path=str(SHOTS / f"{slug}-{width}.png"), full_page=False)
    finally:
        page.context.close()
    assert not wide, f"pages wider than the window at {width} px: {wide}"


def test_report_file_find_box(page: Any, kb, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text(build_report(kb), encoding="utf-8")
    page.goto(report.as_uri())
    rows = page.locator("table.timeline tbody tr")
    before = sum(1 for i in range(rows.count()) if rows.nth(i).is_visible())
    page.fill("input[data-find]", "ryabkov")
    shown = [rows.nth(i).inner_text() for i in range(rows.count()) if rows.nth(i).is_visible()]
    assert 0 < len(shown) < before
    assert all("ryabkov" in text.lower() for text in shown)
