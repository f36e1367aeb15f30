"""The operating system's refusals during a command (no space, no permission, a read-only
file system, an immutable file): one ``Error:`` line naming the file and the cause, exit 2,
and data/ as it was before or after, as the journal guarantees.

Root ignores file modes, so most refusals are simulated in-process: ``os.replace``,
``os.fsync`` or ``os.open`` raise the ``OSError`` the kernel would.  One test has the
kernel refuse for real, with a file-size limit (``RLIMIT_FSIZE``: ``EFBIG``).
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from positions.base.journal import commit
from positions.base.layout import JOURNAL_NAME
from positions.errors import FileSystemError
from support import REPO, TURTLE_PREFIXES, cli, tree_digest

# A statement and its new source: statements.ttl and sources.ttl both change.
NEW = """
kb:stmt-test-os
    a pos:Statement ;
    rdfs:label "Test: Russia insists on legal guarantees"@en ;
    pos:speaker kb:vladimir-putin ;
    pos:inRole kb:putin-president ;
    pos:onBehalfOf kb:russia ;
    pos:notAfter "2022-01-16"^^xsd:date ;
    pos:stance stance:insists ;
    pos:target kb:demand-legal-guarantees ;
    pos:evidence [ pos:source kb:source-test-os ; pos:quote "legally binding guarantees" ] .

kb:source-test-os
    a pos:Source ;
    rdfs:label "A test source"@en ;
    pos:genre genre:news-report ;
    pos:publishedOn "2022-01-16"^^xsd:date .
"""


@pytest.fixture
def new(tmp_path: Path) -> Path:
    path = tmp_path / "new.ttl"
    path.write_text(TURTLE_PREFIXES + NEW, encoding="utf-8")
    return path


def add(base: Path, path: Path):
    return cli("--kb", str(base), "add", str(path))


def refuse(code: int, when):
    """A stand-in that raises the kernel's ``OSError`` when ``when(args)`` holds, else
    does what the real function does."""

    def wrap(real):
        def fake(*args, **kwargs):
            if when(args):
                raise OSError(code, os.strerror(code), str(args[-1]))
            return real(*args, **kwargs)

        return fake

    return wrap


def assert_one_clear_line(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    error = result.stderr.strip()
    assert error.startswith("Error: cannot "), error
    for word in words:
        assert word in error, error


def leftovers(base: Path) -> list[str]:
    return sorted(p.name for p in (base / "data").iterdir() if not p.name.endswith(".ttl"))


def test_no_space_for_the_journal_leaves_data_unchanged(base: Path, new: Path, monkeypatch) -> None:
    digest = tree_digest(base / "data")
    monkeypatch.setattr(os, "replace", refuse(errno.ENOSPC, lambda a: True)(os.replace))
    result = add(base, new)
    assert_one_clear_line(
        result, JOURNAL_NAME, "No space left on device (ENOSPC)", "data/ is as it was"
    )
    assert tree_digest(base / "data") == digest
    assert leftovers(base) == []  # no temporary file left, the journal's included


def two_new_texts(base: Path) -> dict[str, str]:
    """New texts for sources.ttl and statements.ttl, as a commit takes them (in that order)."""
    extra = "\n<https://w3id.org/positions/id/x-{0}> a <https://w3id.org/positions/vocab#T> .\n"
    return {
        name: (base / "data" / name).read_text(encoding="utf-8") + extra.format(name[:-4])
        for name in ("sources.ttl", "statements.ttl")
    }


def test_no_space_for_a_data_file_leaves_data_unchanged(base: Path, monkeypatch) -> None:
    digest = tree_digest(base / "data")
    monkeypatch.setattr(os, "fsync", refuse(errno.ENOSPC, lambda a: True)(os.fsync))
    with pytest.raises(FileSystemError) as refused:
        commit(base / "data", two_new_texts(base))
    assert "data/sources.ttl: No space left on device (ENOSPC)" in str(refused.value)
    assert str(refused.value).endswith("data/ is as it was")
    assert refused.value.exit_code == 2
    assert tree_digest(base / "data") == digest
    assert leftovers(base) == []


def test_an_immutable_data_file_is_named_and_the_commit_undone(base: Path, monkeypatch) -> None:
    digest = tree_digest(base / "data")
    is_first = lambda a: str(a[-1]).endswith("data/sources.ttl")  # noqa: E731
    monkeypatch.setattr(os, "replace", refuse(errno.EPERM, is_first)(os.replace))
    with pytest.raises(FileSystemError) as refused:
        commit(base / "data", two_new_texts(base))
    message = str(refused.value)
    assert "data/sources.ttl: Operation not permitted (EPERM: an immutable" in message
    assert message.endswith("data/ is as it was")
    assert tree_digest(base / "data") == digest
    assert leftovers(base) == []  # the journal was written, then undone


def test_a_failure_between_two_renames_loses_nothing(base: Path, monkeypatch) -> None:
    texts = two_new_texts(base)
    is_second = lambda a: str(a[-1]).endswith("data/statements.ttl")  # noqa: E731
    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", refuse(errno.EROFS, is_second)(os.replace))
        with pytest.raises(FileSystemError) as refused:
            commit(base / "data", texts)
    message = str(refused.value)
    assert "data/statements.ttl: Read-only file system (EROFS); data/ is partly written" in message
    assert "the next positions command completes it" in message
    assert (base / "data" / JOURNAL_NAME).exists()
    # The cause gone, the next command (a query) finishes the commit: nothing is lost.
    answer = cli("--kb", str(base), "query", "--sparql", "ASK { kb:x-statements a pos:T }")
    assert answer.exit_code == 0, answer.output
    assert {n: (base / "data" / n).read_text(encoding="utf-8") for n in texts} == texts
    assert leftovers(base) == []


def test_a_read_only_base_is_said_before_anything_is_read(
    base: Path, new: Path, monkeypatch
) -> None:
    digest = tree_digest(base)
    is_lock = lambda a: str(a[0]).endswith(".positions.lock")  # noqa: E731
    monkeypatch.setattr(os, "open", refuse(errno.EROFS, is_lock)(os.open))
    result = add(base, new)
    assert_one_clear_line(result, ".positions.lock", "Read-only file system (EROFS)")
    assert tree_digest(base) == digest


def test_an_os_error_no_layer_worded_is_not_called_a_bug(
    base: Path, new: Path, monkeypatch, capsys
) -> None:
    from positions.api import KnowledgeBase
    from positions.cli import app

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(base / ".positions-cache"))

    monkeypatch.setattr(KnowledgeBase, "add", full)
    monkeypatch.setattr(sys, "argv", ["positions", "--kb", str(base), "add", str(new)])
    with pytest.raises(SystemExit) as ended:
        app.main()
    assert ended.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith(f"Error: {base / '.positions-cache'}: No space left on device")
    assert "internal error" not in error


def test_the_kernel_refusing_a_large_file_is_reported(base: Path) -> None:
    """A real refusal: under a file-size limit below statements.ttl's size the kernel
    refuses the write with EFBIG (SIGXFSZ ignored, as a shell's ``ulimit -f`` would not).
    ``positions fmt`` rewrites the file (made non-canonical): no validation to wait for."""
    statements = base / "data" / "statements.ttl"
    statements.write_text(
        statements.read_text(encoding="utf-8") + "kb:a-b rdfs:label 'x' .\n", encoding="utf-8"
    )
    digest = tree_digest(base / "data")
    limit = statements.stat().st_size - 1024
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n"
        "from positions.cli.app import main\n"
        f"sys.argv = ['positions', '--kb', {str(base)!r}, 'fmt']\n"
        "main()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    run = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith("Error: cannot write "), run.stderr
    assert "statements.ttl: File too large (EFBIG)" in run.stderr
    assert "data/ is as it was" in run.stderr
    assert tree_digest(base / "data") == digest
    assert leftovers(base) == []
