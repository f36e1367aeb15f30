"""How long the search index takes to build and to answer on a large base.

    python bench/synth.py --statements 100000 --out bench/out/kb-100k
    python bench/search_scale.py bench/out/kb-100k

Prints the time to open the store, to build the index (SQLite FTS5, in
``.positions-cache/search.sqlite``), to check it is in step (what every search pays),
and the time of a few searches, each the best of three.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from positions import KnowledgeBase
from positions.base.search import INDEX_FILE, SearchIndex

WORDS = ("ryabkov", "nato", "sergei ryabkov", "unacceptable", "missile deploy", "zzzz")


def main(root: Path) -> None:
    started = time.perf_counter()
    kb = KnowledgeBase.open(root)
    _ = kb.store
    print(f"store open: {time.perf_counter() - started:.2f} s")
    (root / INDEX_FILE).unlink(missing_ok=True)
    index = SearchIndex(kb)
    started = time.perf_counter()
    index.refresh()
    print(
        f"index built: {time.perf_counter() - started:.2f} s, "
        f"{(root / INDEX_FILE).stat().st_size / 1e6:.1f} MB"
    )
    started = time.perf_counter()
    index.refresh()
    print(f"index checked (in step): {1000 * (time.perf_counter() - started):.1f} ms")
    for words in WORDS:
        best = min(_timed(index, words) for _ in range(3))
        print(
            f"search {words!r}: {1000 * best[0]:.1f} ms, {best[1]} hits shown, "
            f"{index.count(words)} in all"
        )


def _timed(index: SearchIndex, words: str) -> tuple[float, int]:
    started = time.perf_counter()
    hits = index.search(words, limit=200)
    return time.perf_counter() - started, len(hits)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
