"""The console script runs a one-command app for the command it names: the same
behaviour as the whole app, without building every command first."""

from __future__ import annotations

import pytest

from positions.cli.app import app, app_for
from positions.cli.argv import command_name as _command_name
from support import REPO, cli


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ([], None),
        (["query", "documents"], "query"),
        (["--kb", "some/base", "query"], "query"),
        (["--kb=some/base", "--debug", "validate", "x.ttl"], "validate"),
        (["--max-nesting", "3", "--max-input-bytes=9", "export"], "export"),
        (["--help", "query"], None),
        (["-x", "query"], None),
        (["--kb"], None),
    ],
)
def test_the_command_name_is_the_first_word_after_the_global_options(
    args: list[str], name: str | None
) -> None:
    assert _command_name(args) == name


def test_a_named_command_gets_an_app_of_its_own() -> None:
    one = app_for(["--kb", "base", "query", "documents"])
    assert one is not app
    assert [info.name for info in one.registered_commands] == ["query"]
    assert one.registered_callback is app.registered_callback
    for args in ([], ["--help"], ["nosuch"], ["--help", "query"]):
        assert app_for(args) is app, args


@pytest.mark.parametrize(
    "args",
    [
        ["query", "--help"],
        ["--kb", str(REPO), "query", "documents", "-f", "csv"],
        ["--kb", str(REPO), "query", "node-description", "-f", "ntriples", "--limit", "2"],
        ["--kb", str(REPO), "query", "no-such-query"],
        ["--kb", str(REPO), "query", "person-statements", "-p", "nobody=1"],
        ["--kb", str(REPO), "queries"],
        ["--kb", str(REPO), "query", "documents", "--format", "nonsense"],
        ["validate", "--help"],
    ],
)
def test_the_one_command_app_answers_as_the_whole_app(args: list[str]) -> None:
    whole = cli(*args)
    one = cli(*args, app=app_for(args))
    assert app_for(args) is not app
    assert (one.exit_code, one.stdout, one.stderr) == (whole.exit_code, whole.stdout, whole.stderr)


def test_version_is_the_version_of_the_package() -> None:
    import tomllib

    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"positions {declared['project']['version']}\n"
    assert cli("--kb", "/no/such/base", "--version").exit_code == 0  # needs no base
