"""Every input limit is named in its refusal and can be raised by a global option."""

from __future__ import annotations

from pathlib import Path

from positions.rdf import rdfio
from support import REPO, cli

DEEP = "@prefix ex: <http://example.org/> .\nex:a ex:b [ ex:c [ ex:d [ ex:e 1 ] ] ] .\n"
LONG_NUMBER = "@prefix ex: <http://example.org/> .\nex:a ex:b " + "7" * 40 + " .\n"


def run(*args: str):
    return cli("--kb", str(REPO), *args)


def test_nesting_limit_is_named_and_can_be_raised(tmp_path: Path) -> None:
    path = tmp_path / "deep.ttl"
    path.write_text(DEEP, encoding="utf-8")
    refused = run("--max-nesting", "2", "validate", str(path))
    assert refused.exit_code == 2
    assert "--max-nesting" in refused.stderr and f"{path}:2:" in refused.stderr
    # The base's own shapes nest six deep (sh:alternativePath inside sh:property inside ...)
    accepted = run("--max-nesting", "8", "validate", str(path))
    assert accepted.exit_code == 0, accepted.stderr


def test_size_limit_is_named_and_can_be_raised(tmp_path: Path) -> None:
    path = tmp_path / "small.ttl"
    path.write_text(DEEP, encoding="utf-8")
    refused = run("--max-input-bytes", "10", "validate", str(path))
    assert refused.exit_code == 2
    assert "--max-input-bytes" in refused.stderr


def test_number_limit_is_named_and_can_be_raised(tmp_path: Path) -> None:
    path = tmp_path / "number.ttl"
    path.write_text(LONG_NUMBER, encoding="utf-8")
    refused = run("--max-number-digits", "20", "validate", str(path))
    assert refused.exit_code == 2
    assert "--max-number-digits" in refused.stderr
    assert run("--max-number-digits", "50", "validate", str(path)).exit_code == 0


def test_options_do_not_leak_into_the_next_command(tmp_path: Path) -> None:
    path = tmp_path / "deep.ttl"
    path.write_text(DEEP, encoding="utf-8")
    run("--max-nesting", "1", "validate", str(path))
    assert run("validate", str(path)).exit_code == 0
    assert rdfio.Limits() == rdfio.DEFAULT_LIMITS
