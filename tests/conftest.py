"""Fixtures shared by the test files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from support import Served, copy_bundled, recording_server


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """A writable copy of the bundled base, at tmp_path/kb."""
    return copy_bundled(tmp_path / "kb")


@pytest.fixture
def http_server() -> Iterator[Callable[..., Served]]:
    """Start recording web servers (``support.recording_server``, same arguments);
    each stops when the test ends."""
    with ExitStack() as stack:
        yield lambda *args, **kwargs: stack.enter_context(recording_server(*args, **kwargs))
