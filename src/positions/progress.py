"""Progress on a terminal, silence in pipes: what long work shows while it runs.

Two shapes of progress, both drawn with rich on **stderr** (stdout is the
command's output: a JSON report or a CSV must never hold a spinner's escape
codes), and only when stderr is a terminal, so pipes, CI logs and tests see
nothing:

* :class:`Stages`: a spinner, the current step and the time spent, for work
  that cannot say how far it is (pyshacl over a whole base, an upload);
* :class:`ByteProgress`: a bar by bytes done out of a known total (loading files).

Only one shows at a time (rich allows one live display per console).
"""

from __future__ import annotations

import sys
from typing import Any


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


class Stages:
    """What a long command is doing, with the time spent, on a terminal only.

    ``with Stages() as stage: stage("reading the base"); ...``
    """

    def __init__(self, first: str = "working") -> None:
        self.progress: Any = None
        if sys.stderr.isatty():
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                console=_console(), transient=True,
            )  # fmt: skip
            self.task = self.progress.add_task(first, total=None)

    def __enter__(self) -> Stages:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def __call__(self, description: str) -> None:
        if self.progress is not None:
            self.progress.update(self.task, description=description)


class ByteProgress:
    """A bar by bytes done, on a terminal only, and only for work of ``threshold`` bytes or more.

    ``with ByteProgress(total, "loading the base") as done: done("data/x.ttl", size)``
    """

    def __init__(self, total: int, description: str, threshold: int = 20_000_000) -> None:
        self.bar: Any = None
        if total >= threshold and sys.stderr.isatty():
            from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

            self.bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=_console(),
                transient=True,
            )
            self.task = self.bar.add_task(description, total=total)

    def __enter__(self) -> ByteProgress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, name: str, size: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, advance=size, description=f"done {name}")
