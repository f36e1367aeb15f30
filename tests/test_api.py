"""The Python API: ``KnowledgeBase`` does what each command does, locally or on a server.

Each verb is compared with the command a user runs (the same bytes, the same
verdict), so the command line stays a thin skin over the object a notebook uses.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

import positions
from positions import KnowledgeBase, PositionsError, UsageError
from positions.api import Answered
from support import REPO, cli, oxigraph_server, tree_digest

EXAMPLE = REPO / "docs" / "examples" / "new-statement.ttl"
US = "https://w3id.org/positions/id/united-states"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.open(REPO)


def test_the_package_exports_the_facade() -> None:
    assert positions.KnowledgeBase is KnowledgeBase
    assert isinstance(KnowledgeBase.open(REPO), KnowledgeBase)


def test_query_takes_parameters_as_keywords_or_a_mapping(kb: KnowledgeBase) -> None:
    by_keyword = kb.query("us-unacceptable-demands", party="kb:united-states")
    by_mapping = kb.query("us-unacceptable-demands", {"party": "kb:united-states"})
    speakers = {row["speakerLabel"] for row in by_keyword.to_dicts()}
    assert "Wendy Sherman" in speakers
    assert by_keyword.rows == by_mapping.rows


def test_write_query_gives_the_bytes_of_the_command(kb: KnowledgeBase) -> None:
    out = io.StringIO()
    answered = kb.write_query("meeting-timeline", out=out, fmt="csv")
    command = cli("--kb", str(REPO), "query", "meeting-timeline", "-f", "csv")
    assert command.exit_code == 0
    assert out.getvalue().encode("utf-8") == command.stdout_bytes
    assert (answered.kind, answered.truncated) == ("select", False)


def test_write_query_says_what_an_ask_answered(kb: KnowledgeBase) -> None:
    out = io.StringIO()
    answered = kb.write_query("ASK { ?s ?p ?o }", out=out)
    assert isinstance(answered, Answered)
    assert (answered.kind, answered.boolean) == ("ask", True)
    assert out.getvalue().strip() == "true"


def test_write_query_says_when_the_limit_cut_the_answer(kb: KnowledgeBase) -> None:
    out = io.StringIO()
    answered = kb.write_query("meeting-timeline", out=out, fmt="csv", row_limit=1)
    assert answered.truncated
    assert len(out.getvalue().splitlines()) == 2  # the header and one row


def test_saved_and_adhoc_queries_have_their_own_time_limits(kb: KnowledgeBase) -> None:
    assert kb.default_timeout("meeting-timeline") > kb.default_timeout("ASK { ?s ?p ?o }")
    assert "meeting-timeline" in {q.name for q in kb.queries()}


def test_validate_gives_the_verdict_of_the_command(kb: KnowledgeBase) -> None:
    report = kb.validate([EXAMPLE])
    command = cli("--kb", str(REPO), "validate", str(EXAMPLE))
    assert report.exit_code == command.exit_code == 0
    assert report.summary() in command.stdout


def test_add_dry_run_writes_nothing(base: Path) -> None:
    before = tree_digest(base / "data")
    outcome = KnowledgeBase.open(base).add([EXAMPLE], dry_run=True)
    assert "Dry run: nothing was written." in outcome.to_text()
    assert tree_digest(base / "data") == before


def test_add_writes_the_facts_the_command_would(base: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin"
    from support import copy_bundled

    copy_bundled(twin)
    KnowledgeBase.open(base).add([EXAMPLE])
    assert cli("--kb", str(twin), "add", str(EXAMPLE)).exit_code == 0
    # Each logs the add (data/changes.ttl), at its own time: the rest is the same.
    for folder in (base, twin):
        assert [row["kind"].value for row in KnowledgeBase.open(folder).log().rows][0] == "add"
        (folder / "data" / "changes.ttl").unlink()
    assert tree_digest(base / "data") == tree_digest(twin / "data")


def test_server_options_without_a_server_are_refused(kb: KnowledgeBase) -> None:
    with pytest.raises(UsageError, match="go with --to"):
        kb.add([EXAMPLE], graph="https://example.org/g")
    remote = KnowledgeBase.open(REPO, endpoint="http://127.0.0.1:9/query")
    with pytest.raises(UsageError, match="give the files"):
        remote.validate()
    with pytest.raises(UsageError, match="--all cannot be used"):
        remote.validate([EXAMPLE], whole=True)


def test_a_base_opened_on_a_server_asks_the_server() -> None:
    from support import free_port

    nobody = f"http://127.0.0.1:{free_port()}/query"  # nothing listens there
    with pytest.raises(PositionsError, match="127.0.0.1"):
        KnowledgeBase.open(REPO, endpoint=nobody, timeout=2).query("stance-codes")


def test_export_gives_the_bytes_of_the_command(kb: KnowledgeBase, tmp_path: Path) -> None:
    target = tmp_path / "base.nt"
    content = kb.export("nt", output=target)
    assert target.read_bytes() == content
    command = cli("--kb", str(REPO), "export", "-f", "nt")
    assert command.stdout_bytes == content
    with pytest.raises(UsageError, match="not one of"):
        kb.export("n3")


def test_export_and_report_refuse_to_write_into_data(base: Path) -> None:
    kb = KnowledgeBase.open(base)
    with pytest.raises(UsageError, match="inside"):
        kb.export("turtle", output=base / "data" / "export.ttl")
    with pytest.raises(UsageError, match="inside"):
        kb.report(base / "data" / "report.html")
    assert not (base / "data" / "export.ttl").exists()


def test_report_writes_the_page_it_returns(kb: KnowledgeBase, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    html = kb.report(target)
    assert target.read_text(encoding="utf-8") == html
    assert "No further NATO expansion" in html
    assert target.stat().st_mode & 0o044  # readable by others, as a shared report should be


def test_format_rewrites_what_non_canonical_lists(base: Path) -> None:
    kb = KnowledgeBase.open(base)
    assert kb.non_canonical() == []
    parties = base / "data" / "parties.ttl"
    parties.write_text(parties.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    assert kb.non_canonical() == ["parties.ttl"]
    rewritten, recovered = kb.format()
    assert (rewritten, recovered) == (["parties.ttl"], [])
    assert kb.non_canonical() == []


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as url:
        yield url


def test_a_base_opened_on_a_server_queries_it(kb: KnowledgeBase, server: str) -> None:
    report = kb.push(server + "/store")
    assert report.triples_on_server == report.triples_sent > 0
    remote = KnowledgeBase.open(REPO, endpoint=server + "/query")
    here = kb.query("us-unacceptable-demands", party="kb:united-states")
    there = remote.query("us-unacceptable-demands", party="kb:united-states")
    assert there.rows == here.rows
    out = io.StringIO()  # a query without GROUP_CONCAT, whose order engines choose
    remote.write_query("stance-codes", out=out, fmt="csv")
    local = cli("--kb", str(REPO), "query", "stance-codes", "-f", "csv")
    assert out.getvalue().encode("utf-8") == local.stdout_bytes
