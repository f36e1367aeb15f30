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


DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
# Files named like modules that are not code: the base's own files and examples.
NOT_CODE = {"toml", "ttl", "trig", "jsonld", "lock", "htpasswd", "service", "nt", "nq"}


def _resolves(dotted: str) -> bool:
    """True when ``dotted`` names a module of the package, or a name in one."""
    import importlib
    import importlib.util

    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            found = importlib.util.find_spec(module_name) is not None
        except ModuleNotFoundError:
            found = False
        if found:
            value: object = importlib.import_module(module_name)
            for attribute in parts[cut:]:
                if not hasattr(value, attribute):
                    return False
                value = getattr(value, attribute)
            return True
    return False


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_module_and_file_the_docs_name_exists(doc) -> None:
    text = doc.read_text(encoding="utf-8")
    dotted = set(re.findall(r"\bpositions(?:\.[A-Za-z_][A-Za-z_0-9]*)+", text))
    dotted = {d.rstrip(".") for d in dotted if d.split(".")[1] not in NOT_CODE}
    paths = set(re.findall(r"\bsrc/positions/[\w/]+\.py\b", text))
    layers = "|".join(p.name for p in (REPO / "src" / "positions").iterdir() if p.is_dir())
    short = set(re.findall(rf"`((?:{layers})/[\w/]+\.py)`", text))  # `sparql/engine.py`
    assert sorted(d for d in dotted if not _resolves(d)) == []
    assert sorted(p for p in paths if not (REPO / p).exists()) == []
    assert sorted(p for p in short if not (REPO / "src" / "positions" / p).exists()) == []


def test_the_architecture_page_names_every_module() -> None:
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    source = REPO / "src" / "positions"
    stems = {p.stem for p in source.rglob("*.py") if p.stem not in ("__init__", "__main__")}
    stems -= {p.stem for p in (source / "cli" / "commands").glob("*.py")}  # commands/*
    assert sorted(s for s in stems if f"`{s}" not in page and f"{s}.py" not in page) == []


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)\n```", text, flags=re.S)


def test_the_python_example_of_the_queries_page_runs() -> None:
    page = (REPO / "docs" / "queries.md").read_text(encoding="utf-8")
    (block,) = [b for b in _python_blocks(page) if "kb.query(" in b]
    namespace: dict[str, object] = {}
    exec(compile(block, "docs/queries.md", "exec"), namespace)
    result = namespace["result"]
    assert result.to_dicts()[0]["date"].isoformat() == "2022-01-10"


SAVED = sorted(p.stem for p in (REPO / "queries").glob("*.rq"))
# A command line as the docs show one: at the start of a line (after a `$ ` prompt,
# options and indentation allowed) or in backticks.
EXAMPLE_QUERY = re.compile(
    r"(?:^[ \t]*(?:\$ )?|`)(?:\.venv/bin/)?positions (?:--[\w-]+ \S+ )*"
    r"quer(?:y|ies) ([a-z][a-z0-9-]+)(?![a-z0-9.-])",
    flags=re.M,
)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_saved_query_the_docs_run_exists(doc) -> None:
    text = doc.read_text(encoding="utf-8")
    named = set(re.findall(EXAMPLE_QUERY, text))
    named |= set(re.findall(r'kb\.query\("([a-z][a-z0-9-]+)"', text))
    assert sorted(named - set(SAVED)) == []


def test_every_saved_query_the_help_runs_exists() -> None:
    for name, command in get_command(app).commands.items():
        named = set(re.findall(EXAMPLE_QUERY, command.help or ""))
        assert sorted(named - set(SAVED)) == [], name
