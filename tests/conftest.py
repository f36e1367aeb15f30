"""Fixtures shared by the test files."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import copy_bundled


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """A writable copy of the bundled base, at tmp_path/kb."""
    return copy_bundled(tmp_path / "kb")
