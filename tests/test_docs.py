"""The documentation matches the code: every command is documented, every link resolves."""

from __future__ import annotations

import re

import pytest
from typer.main import get_command

from positions.cli.app import app
from support import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(get_command(app).commands)


def test_the_tool_has_the_commands_the_readme_promises() -> None:
    expected = {"query", "queries", "validate", "add", "import", "fmt", "export", "push"}
    expected |= {"report", "serve"}
    assert expected <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(name: str) -> None:
    command = get_command(app).commands[name]
    assert (command.help or "").strip(), f"{name} has no help text"
    assert f"positions {name}" in README, f"the README never shows `positions {name}`"


def test_every_local_link_in_the_readme_resolves() -> None:
    links = re.findall(r"\]\(([^)#]+)\)", README)
    local = [link for link in links if not link.startswith(("http://", "https://"))]
    assert local, "the README links no docs"
    assert [link for link in local if not (REPO / link).exists()] == []


def test_the_readme_starts_with_the_two_commands() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)
    assert "pip install -q ." in blocks[0] and "positions" in blocks[0]
    assert "pytest" in blocks[1]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1].strip() in ci, ".ci/run must run the README's test command"


def test_every_saved_query_opens_with_a_summary() -> None:
    for path in sorted((REPO / "queries").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("#+ summary:"), path.name
