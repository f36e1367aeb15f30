"""The cache of parsed query headers: the same queries as without it, never stale,
and a query run on a base with a store folder needs no YAML parser."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.errors import InputError
from positions.sparql.catalogue import Catalogue
from positions.sparql.decorators import DECORATORS, HeaderCache
from positions.sparql.saved import SavedQuery
from support import REPO, copy_bundled

QUERY = """#+ summary: Parties
#+ tags:
#+   - party
#+ defaults:
#+   - party: https://w3id.org/positions/id/russia
SELECT ?party WHERE { ?party a ?_party_iri }
"""


@pytest.fixture
def cache(tmp_path: Path) -> HeaderCache:
    return HeaderCache(tmp_path / "query-headers.json")


def _headers(cache: HeaderCache) -> dict:
    document = json.loads(cache.path.read_text(encoding="utf-8"))
    assert document["decorators"] == list(DECORATORS)
    return document["headers"]


def _plant(cache: HeaderCache, headers: dict, decorators: Iterable[str] = DECORATORS) -> None:
    document = {"decorators": list(decorators), "headers": headers}
    cache.path.write_text(json.dumps(document), encoding="utf-8")


def test_every_bundled_query_reads_the_same_from_the_cache(cache: HeaderCache) -> None:
    plain = Catalogue.from_folder(REPO / "queries").all()
    Catalogue.from_folder(REPO / "queries", header_cache=cache).all()  # fills the file
    assert len(_headers(cache)) == len(plain)
    cached = Catalogue.from_folder(REPO / "queries", header_cache=HeaderCache(cache.path)).all()
    assert cached == plain


def test_a_changed_header_is_read_anew(cache: HeaderCache) -> None:
    SavedQuery.from_text(QUERY, "q", cache=cache)
    changed = QUERY.replace("summary: Parties", "summary: Every party")
    assert SavedQuery.from_text(changed, "q", cache=HeaderCache(cache.path)).summary == (
        "Every party"
    )


def test_a_cached_header_is_used_without_parsing(cache: HeaderCache) -> None:
    # Planted by hand: only a read of the cache can give this summary.
    header = "\n".join(row.lstrip("#+") for row in QUERY.split("\n") if row.startswith("#+"))
    _plant(cache, {header: {"summary": "from the cache"}})
    assert SavedQuery.from_text(QUERY, "q", cache=HeaderCache(cache.path)).summary == (
        "from the cache"
    )


def test_a_cache_written_for_other_decorators_is_not_read(cache: HeaderCache) -> None:
    # Its entries were checked against decorators that may no longer be known.
    header = "\n".join(row.lstrip("#+") for row in QUERY.split("\n") if row.startswith("#+"))
    _plant(cache, {header: {"summary": "from the cache"}}, decorators=["summary"])
    assert SavedQuery.from_text(QUERY, "q", cache=HeaderCache(cache.path)).summary == "Parties"


def test_what_a_caller_changes_does_not_reach_the_cache(cache: HeaderCache) -> None:
    meta = {"summary": "Parties", "tags": ["party"]}
    cache.put("header", meta)
    meta["tags"].append("changed")
    cache.get("header")["tags"].append("changed too")
    assert cache.get("header") == {"summary": "Parties", "tags": ["party"]}


def test_a_yaml_error_is_reported_with_its_line_whatever_the_cache_holds(
    cache: HeaderCache,
) -> None:
    SavedQuery.from_text(QUERY, "q", cache=cache)
    broken = QUERY.replace("#+   - party\n", "#+   - party: [\n")
    with pytest.raises(InputError) as uncached:
        SavedQuery.from_text(broken, "q")
    with pytest.raises(InputError) as error:
        SavedQuery.from_text(broken, "q", cache=HeaderCache(cache.path))
    assert str(error.value) == str(uncached.value)
    assert error.value.position.line == 5  # where YAML finds the bracket unclosed
    assert len(_headers(cache)) == 1  # not kept


@pytest.mark.parametrize(
    "content",
    ["{not json", "[1, 2]", '{"x": 3}', "", '{"decorators": ["summary"], "headers": {}}'],
)
def test_a_damaged_cache_counts_as_empty_and_is_written_again(
    cache: HeaderCache, content: str
) -> None:
    cache.path.write_text(content, encoding="utf-8")
    assert SavedQuery.from_text(QUERY, "q", cache=cache).summary == "Parties"
    entries = _headers(cache)
    assert any(
        isinstance(meta, dict) and meta.get("summary") == "Parties" for meta in entries.values()
    )


def test_a_header_json_would_change_is_parsed_each_time(cache: HeaderCache) -> None:
    dated = QUERY.replace(
        "#+ summary: Parties\n", "#+ summary: Parties\n#+ description: 2021-12-17\n"
    )
    with pytest.raises(InputError):  # a YAML date is not text: refused, and not kept
        SavedQuery.from_text(dated, "q", cache=cache)
    assert not cache.path.exists()
    cache.put("a header", {"when": __import__("datetime").date(2021, 12, 17)})
    assert not cache.path.exists()


def test_the_oldest_entries_go_first(cache: HeaderCache, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(HeaderCache, "MAX_ENTRIES", 2)
    for number in range(3):
        cache.put(f"header {number}", {"summary": str(number)})
    assert list(_headers(cache)) == ["header 1", "header 2"]


def test_no_folder_is_made_for_the_cache(tmp_path: Path) -> None:
    cache = HeaderCache(tmp_path / "absent" / "query-headers.json")
    assert SavedQuery.from_text(QUERY, "q", cache=cache).summary == "Parties"
    assert not (tmp_path / "absent").exists()


def test_a_query_on_a_base_with_a_store_folder_needs_no_yaml(tmp_path: Path) -> None:
    base = copy_bundled(tmp_path / "base")
    run = (
        "import sys; from positions import KnowledgeBase;"
        f"kb = KnowledgeBase.open({str(base)!r});"
        "rows = kb.query('documents').rows; print(len(rows), 'yaml' in sys.modules)"
    )
    (base / ".positions-cache").mkdir()
    outputs = [
        subprocess.run([sys.executable, "-c", run], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    first, second = (output.stdout.split() for output in outputs)
    assert first[1] == "True" and second[1] == "False"
    assert first[0] == second[0] != "0"
    assert (base / ".positions-cache" / "query-headers.json").is_file()


def test_a_base_without_a_store_folder_keeps_no_cache(tmp_path: Path) -> None:
    base = copy_bundled(tmp_path / "base")
    assert KnowledgeBase.open(base).catalogue.get("documents").summary
    assert not (base / ".positions-cache").exists()


def test_threads_sharing_a_cache_keep_every_header(cache: HeaderCache) -> None:
    # The web view serves queries from several threads with one catalogue: nothing
    # is lost and no temporary file is left behind.
    from concurrent.futures import ThreadPoolExecutor

    def put(number: int) -> None:
        cache.put(f"header {number}", {"summary": str(number)})
        assert cache.get(f"header {number}") == {"summary": str(number)}

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(200)))
    entries = _headers(cache)
    assert entries == {f"header {n}": {"summary": str(n)} for n in range(200)}
    assert not list(cache.path.parent.glob(".*.tmp"))
