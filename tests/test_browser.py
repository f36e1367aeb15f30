"""The report and the server in a real browser: Debian's Chromium driven by Playwright.

Nothing is installed by a test: Playwright comes with the test extras and
``.ci/run`` installs Debian's Chromium (``apt-get install chromium``, as root);
where either is missing the tests skip, saying why.  Playwright's own browser
download is never used: it cannot be fetched here, and Debian's build is
launched by path.

Screenshots of each main view go to ``bench/out/screenshots/`` (ignored by git);
their paths are printed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browsing import launched_browser, served
from positions import KnowledgeBase
from positions.output.html_report import build_report
from support import KB, REPO

SHOTS = REPO / "bench" / "out" / "screenshots"
NATO = KB + "demand-no-nato-enlargement"
US = KB + "united-states"
CELL = f'td.cell[data-demand="{NATO}"][data-party="{US}"]'


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


@pytest.fixture(scope="module")
def report_file(kb: KnowledgeBase) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS.parent / "report.html"
    path.write_text(build_report(kb), encoding="utf-8")
    return path


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # The pages name no outside resource; fail loudly if one ever tries.
    context.route(
        lambda url: not url.startswith(("file:", "http://127.0.0.1")),
        lambda route: route.abort(),
    )
    opened = context.new_page()
    yield opened
    context.close()


def shoot(page: Any, name: str, *, full_page: bool = False) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"screenshot: {path}")
    return path


def check_matrix_click(page: Any) -> None:
    cell = page.locator(CELL)
    assert cell.get_attribute("data-stance") == "rejects"
    assert cell.locator(".stance").inner_text() == "rejects"
    assert cell.locator(".n").inner_text() == "1"
    details = cell.locator(".pop")
    assert not details.is_visible()
    cell.locator("summary").click()
    assert details.is_visible()
    details.scroll_into_view_if_needed()
    text = details.inner_text()
    assert "Sherman: the US will not allow anyone to slam closed NATO's open-door policy" in text
    assert "Wendy Sherman" in text and "2022-01-10" in text
    assert "Biden Regime Rejects Russia’s Security Demands" in text
    # The blog author's own sentence is commentary, not a US rejection (issue 22, finding 1).
    assert "The US will not negotiate on ending NATO expansion" not in text


# --- The report file -----------------------------------------------------------------


def test_report_file_matrix_cell_and_click(page: Any, report_file: Path) -> None:
    page.goto(report_file.as_uri())
    shoot(page, "report-full", full_page=True)
    page.locator("#matrix").scroll_into_view_if_needed()
    check_matrix_click(page)
    shoot(page, "report-matrix-click")


def test_report_file_reads_in_print(page: Any, report_file: Path) -> None:
    page.goto(report_file.as_uri())
    page.emulate_media(media="print")
    assert not page.locator("nav.top").is_visible()
    # What a printer gets: the script opens every cell before printing.
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator(f"{CELL} .pop").is_visible()
    page.locator("#matrix").scroll_into_view_if_needed()
    shoot(page, "report-print")


# --- The server ------------------------------------------------------------------------


def test_served_matrix_click(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/matrix")
    check_matrix_click(page)
    shoot(page, "serve-matrix-click")
    # The statement links to its page.
    page.locator(f"{CELL} .pop a", has_text="Sherman: the US will not allow").click()
    page.wait_for_url("**/id/stmt-sherman-open-door")
    assert "Wendy Sherman" in page.locator("body").inner_text()


@pytest.mark.parametrize(
    ("path", "name", "heading"),
    [
        ("/", "serve-home", "Negotiation positions"),
        ("/timeline", "serve-timeline", "Timeline of meetings, calls and statements"),
        ("/sources", "serve-sources", "Sources"),
        ("/gaps", "serve-gaps", "Gaps"),
        ("/browse", "serve-browse", "Every node, by kind"),
        ("/id/russia", "serve-node-russia", "Russia"),
        ("/id/sergei-ryabkov", "serve-node-person", "Sergei Ryabkov"),
        ("/sparql", "serve-sparql", "SPARQL endpoint"),
    ],
)
def test_served_views(page: Any, base_url: str, path: str, name: str, heading: str) -> None:
    page.goto(base_url + path)
    assert heading in page.locator("h1, h2").all_inner_texts()
    shoot(page, name)


def test_saved_query_form_returns_the_rows(page: Any, base_url: str, kb: KnowledgeBase) -> None:
    expected = kb.query("statements", party="kb:united-states").to_dicts()
    everything = kb.query("statements").to_dicts()
    page.goto(f"{base_url}/queries/statements")
    # No parameter is required, so the page opens on every statement.
    assert page.locator(".result-count").inner_text() == f"{len(everything)} rows"
    page.fill('input[name="party"]', "kb:united-states")
    page.click('form.params button[type="submit"]')
    page.wait_for_selector(".result-count")
    assert page.locator(".result-count").inner_text() == f"{len(expected)} rows"
    rows = page.locator("table.results tbody tr")
    assert rows.count() == len(expected)
    first = rows.nth(0).inner_text()
    assert expected[0]["statementLabel"] in first
    assert all(r["partyLabel"] == "United States" for r in expected)
    shoot(page, "serve-query-form")


def test_sparql_form_runs_a_query(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/sparql")
    page.fill('textarea[name="query"]', "SELECT ?s WHERE { ?s a pos:State } ORDER BY ?s")
    with page.expect_response(lambda r: "/sparql?query=" in r.url) as response:
        page.click('#editor button[type="submit"]')
    assert response.value.status == 200
    assert KB + "russia" in response.value.text()
