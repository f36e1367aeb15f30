"""Every example command runs: the Examples of each command's --help, and the `positions`
lines in the code blocks of README.md and docs/*.md.

Each runs in a copy of the bundled base (the current folder), in this process when it is a
plain command and in bash when it uses the shell (pipes, redirects, `||`, `$(...)`, `~`).
The files an example names as placeholders are written first (the new-statement example for
`new-facts.ttl`, and so on), and `127.0.0.1:7878` is a real Oxigraph server.  An example
passes when it exits as its text says (0 unless the text shows an error or says otherwise),
and, when it is a query, when it prints at least one row.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from positions import KnowledgeBase
from positions.remote.push import push
from support import REPO, cli, copy_bundled, free_port, oxigraph_server


@dataclasses.dataclass(frozen=True)
class Example:
    where: str  # "--help of query", "docs/queries.md:24"
    text: str  # the command line, without a trailing comment
    comment: str = ""  # what the text says beside it
    shown: tuple[str, ...] = ()  # the output the text shows under it

    @property
    def id(self) -> str:
        return f"{self.where}: {self.text}"


def _strip_comment(line: str) -> tuple[str, str]:
    match = re.search(r"\s{2,}#\s*(.*)$", line)
    if match is None:
        return line.strip(), ""
    return line[: match.start()].strip(), match.group(1)


def _is_command(line: str) -> bool:
    return bool(re.match(r"^(\S+=\S+ )*positions ", line)) or " | positions " in line


def help_examples() -> list[Example]:
    from positions.cli.app import app

    found = []
    for info in app.registered_commands:
        text = info.help or (info.callback.__doc__ if info.callback else "") or ""
        if "Examples" not in text:
            continue
        for line in text.split("Examples", 1)[1].splitlines():
            command, comment = _strip_comment(line)
            if _is_command(command):
                found.append(Example(f"--help of {info.name}", command, comment))
    return found


def doc_examples() -> list[Example]:
    found = []
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        lines = path.read_text(encoding="utf-8").splitlines()
        fence = False
        for number, line in enumerate(lines, 1):
            if line.lstrip().startswith("```"):
                fence = not fence
                continue
            stripped = line.strip()
            prompt = stripped.startswith("$ ")
            command, comment = _strip_comment(stripped.removeprefix("$ "))
            if not fence or not _is_command(command):
                continue
            shown = []
            for after in lines[number:] if prompt else []:
                if after.startswith("$ ") or after.lstrip().startswith("```"):
                    break
                shown.append(after)
            where = f"{path.relative_to(REPO)}:{number}"
            found.append(Example(where, command, comment, tuple(shown)))
    return found


# Lines in code blocks that start with "positions" but are not commands to run.
NOT_COMMANDS = {
    "positions validate [FILE]... [--strict] [--format text|json|turtle] [--quiet]": "a synopsis",
    "positions query (end to end): median   371 ms": "a line of measured output",
}
# Examples that name a server of the reader's own: there is no such host here.  The same
# commands on 127.0.0.1 are run above them.
ELSEWHERE = "names a server of the reader's own (example.org); its 127.0.0.1 form is run"
NOT_HERE = {
    "kb.example.org/store --graph": ELSEWHERE,
    "https://kb.example.org/query": ELSEWHERE,
    "https://fuseki.example.org/": ELSEWHERE,
    "--host 0.0.0.0": "binds every interface of the machine; tests/test_serve_safety.py "
    "tests --allow-host on 127.0.0.1",
}

STATEMENT = (REPO / "docs" / "examples" / "new-statement.ttl").read_text(encoding="utf-8")
CSV = (REPO / "docs" / "examples" / "statements.csv").read_text(encoding="utf-8")
CSV_HEADER = CSV.splitlines()[0]
CSV_ROW = CSV.splitlines()[1]
# Files the examples name, as the text around them describes them.
FILES = {
    "new-facts.ttl": STATEMENT,
    "new.ttl": STATEMENT,
    "coded-2022-01.csv": CSV,
    "my-question.rq": "SELECT ?meeting ?date WHERE { ?meeting a pos:Meeting ; pos:date ?date }\n",
    "subclass.ttl": (
        "@prefix pos: <https://w3id.org/positions/vocab#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "pos:Party rdfs:subClassOf pos:Statement .\n"
    ),
    "sent.ttl": (  # the amend of docs/adding.md: the promised US response, sent
        "@prefix kb: <https://w3id.org/positions/id/> .\n"
        "@prefix pos: <https://w3id.org/positions/vocab#> .\n"
        "@prefix status: <https://w3id.org/positions/vocab/status/> .\n"
        "kb:us-written-response pos:documentStatus status:sent .\n"
    ),
    "conflict.ttl": (
        "@prefix kb: <https://w3id.org/positions/id/> .\n"
        "@prefix pos: <https://w3id.org/positions/vocab#> .\n"
        'kb:stmt-putin-call-approaches pos:date "2021-12-31"^^<http://www.w3.org/2001/'
        "XMLSchema#date> ;\n    pos:speaker kb:joe-biden .\n"
    ),
}
# Files used with --strict: facts with no warning either (new-statement.ttl has no date, which
# its source does not give): a dated statement of the base, with its evidence.
STRICT_FILES = ("new-statements.ttl", "facts.ttl", "more-sources.ttl")
STRICT_QUERY = """CONSTRUCT { kb:stmt-lavrov-most-serious-consequences ?p ?o . ?o ?ep ?eo }
WHERE {
  kb:stmt-lavrov-most-serious-consequences ?p ?o
  OPTIONAL { ?o ?ep ?eo FILTER(isBlank(?o)) }
}"""


@functools.cache
def _strict_facts() -> str:
    from positions.output.render import OutputFormat, render

    return render(KnowledgeBase.open(REPO).query(STRICT_QUERY), OutputFormat.turtle)


# docs/adding.md shows two different broken statements.csv files.
CSV_FILES = {
    "docs/adding.md:261": CSV_HEADER
    + "\n"
    + CSV_ROW.replace("kb:stmt-kosachev-no-violation-of-agreements", "pos:Statement", 1),
    "docs/adding.md:467": CSV_HEADER + "\n" + CSV_ROW.replace("stance:rejects", "stance:rejcts"),
}
# What the text says an example does, where it is not "exits 0".
EXITS = {"ASK: prints false, exits 1": 1}
SHELL = re.compile(r"[|>$~&;()]")
WRITERS = {"add", "import", "fmt", "amend", "retract", "init"}
# Nodes the texts leave to the reader (kb:stmt-x): one of the base each, that the command
# can act on (a source whose statements can all go with it under --cascade).
NODES = {"kb:stmt-x": "kb:stmt-antonov-sanctions-rupture", "kb:source-x": "kb:source-002"}


def examples() -> list[Example]:
    return help_examples() + doc_examples()


def _params() -> list:
    params = []
    for example in examples():
        reason = NOT_COMMANDS.get(example.text) or next(
            (why for key, why in NOT_HERE.items() if key in example.text), None
        )
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        params.append(pytest.param(example, id=example.id, marks=marks))
    return params


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as base:
        push(KnowledgeBase.open(REPO), base + "/store")
        yield base.removeprefix("http://")


@pytest.fixture(scope="module")
def shared_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the base for the examples that only read (its store is built once)."""
    return _prepare(tmp_path_factory.mktemp("examples"))


def _prepare(folder: Path) -> Path:
    base = copy_bundled(folder / "kb")
    for part in ("docs/examples", "tests/shapes"):
        shutil.copytree(REPO / part, base / part)
    for name, text in FILES.items():
        (base / name).write_text(text, encoding="utf-8")
    for name in STRICT_FILES:
        (base / name).write_text(_strict_facts(), encoding="utf-8")
    copy_bundled(folder / "home" / "my-base")
    copy_bundled(base / "my-base")  # positions --kb my-base info
    copy_bundled(base / "path" / "to" / "base")
    return base


def _words(example: Example) -> list[str]:
    words = shlex.split(example.text.split("|")[-1] if "|" in example.text else example.text)
    while words and "=" in words[0]:
        words.pop(0)
    return words[1:]  # after "positions"


def _command(words: list[str]) -> str:
    """The subcommand of ``positions WORDS`` (after the global options)."""
    index = 0
    while index < len(words) and words[index].startswith("--"):
        index += 2 if words[index] == "--kb" else 1
    return words[index] if index < len(words) else ""


@pytest.mark.parametrize("example", _params())
def test_example_runs(
    example: Example, shared_base: Path, tmp_path: Path, monkeypatch, request
) -> None:
    text = example.text
    if "127.0.0.1:7878" in text:  # only these need the server (and skip without it)
        text = text.replace("127.0.0.1:7878", request.getfixturevalue("oxigraph"))
    text = text.replace("/srv/positions/", "srv-")
    for placeholder, node in NODES.items():
        text = text.replace(placeholder, node)
    words = _words(dataclasses.replace(example, text=text))
    command = _command(words)
    dry = "--dry-run" in words or "--check" in words
    base = _prepare(tmp_path) if command in WRITERS and not dry else shared_base
    if command == "init":  # positions init my-base: into a folder that is not there yet
        shutil.rmtree(base / words[-1], ignore_errors=True)
    for name, content in (("statements.csv", CSV_FILES.get(example.where)),):
        if content is not None:
            (base / name).write_text(content + "\n", encoding="utf-8")
    if command == "serve":
        return _serve(words, base)
    code, output = _run(text, words, base, monkeypatch)
    expected = EXITS.get(example.comment, 0)
    if any(re.match(r"^[1-9]\d* violations?, ", line) for line in example.shown):
        expected = 1  # the text shows a report with violations
    if example.shown and example.shown[0].startswith("Error:"):
        assert code != 0 and "Error:" in output, output
        return
    assert code == expected, output
    if "prints false" in example.comment:
        assert output.strip() == "false", output
    if command == "query":
        _has_rows(text, output, base)


def _run(text: str, words: list[str], base: Path, monkeypatch) -> tuple[int, str]:
    env = {"POSITIONS_KB": None, "HOME": str(base.parent / "home"), "COLUMNS": "200"}
    if SHELL.search(text):
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        clean = {k: v for k, v in os.environ.items() if not k.startswith("POSITIONS_")}
        done = subprocess.run(
            ["bash", "-c", text],
            cwd=base,
            capture_output=True,
            text=True,
            timeout=120,
            env={**clean, "PATH": path, "HOME": env["HOME"]},
        )
        return done.returncode, done.stdout + done.stderr
    monkeypatch.chdir(base)
    result = cli(*words, env=env)
    return result.exit_code, result.output


def _has_rows(text: str, output: str, base: Path) -> None:
    """A query example prints at least one row (or its ASK answer)."""
    redirect = re.search(r">\s*(\S+)\s*$", text)
    if redirect:
        output = (base / redirect.group(1)).read_text(encoding="utf-8")
    lines = [line for line in output.splitlines() if line.strip()]
    if lines and lines[0].strip() in ("true", "false"):
        return
    if '"bindings"' in output:
        assert '"bindings": []' not in output.replace("\n", ""), output
        return
    assert len(lines) >= 2, f"no rows:\n{output}"


def _serve(words: list[str], base: Path) -> None:
    """`positions serve ...`: started on a free port; it answers its home page."""
    if "--port" in words:
        words[words.index("--port") + 1] = str(free_port())
    else:
        words += ["--port", str(free_port())]
    port = words[words.index("--port") + 1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSITIONS_")}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "positions"), *words],
        cwd=base,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as reply:
                    assert reply.status == 200
                    return
            except OSError:
                time.sleep(0.1)
        pytest.fail("positions serve did not answer within 60 s")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_every_example_is_found() -> None:
    """The collection itself: both sources give examples, and each skip still matches one."""
    found = examples()
    assert sum(e.where.startswith("--help") for e in found) >= 20
    assert sum(e.where.startswith("docs/") for e in found) >= 40
    texts = [e.text for e in found]
    for line in NOT_COMMANDS:
        assert line in texts, f"stale NOT_COMMANDS entry: {line}"
    for key in NOT_HERE:
        assert any(key in text for text in texts), f"stale NOT_HERE entry: {key}"
