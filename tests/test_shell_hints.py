"""The shell's advice speaks the shell: ``:load`` names scripts as they were named,
``:restore`` conflicts suggest ``:restore FILE replace``, and MULTI in cluster mode says
what to do in the shell (not which Python call to make)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from redipy.repl.session import Session
from redipy.repl.shell import Shell

import redipy
from tests.cluster import Cluster
from tests.test_cluster import cluster  # noqa: F401 (the session's cluster fixture)


def run(session: Session, *lines: str) -> list[str]:
    out = io.StringIO()
    shell = Shell(session, out=out)
    for line in lines:
        shell.run_text(line)
    return out.getvalue().splitlines()


def test_load_names_scripts_by_their_given_name(tmp_path: Path) -> None:
    path = tmp_path / "named.py"
    path.write_text("from redipy.script import FnContext\n"
                    "ctx = FnContext(name='bump_counter')\nctx.set_return_value(7)\n"
                    "alias = ctx\nplain = FnContext()\nplain.set_return_value(8)\n")
    got = run(Session(), f":load {path}", ":scripts", ":call bump_counter", ":call plain")
    assert got[0] == f"loaded 2 script(s) from {path}: bump_counter, plain"
    assert got[1:3] == [f"bump_counter   ({path})", f"plain   ({path})"]
    assert got[3:] == ["(integer) 7", "(integer) 8"]


def test_restore_conflict_suggests_the_shell_form(tmp_path: Path) -> None:
    snap = tmp_path / "snap.jsonl"
    got = run(Session(), "SET a 1", f":dump {snap}", f":restore {snap}")
    assert got[2].startswith("load FAILED: 1 keys already exist in memory ('a'); nothing "
                             "written (use :restore FILE replace or :restore FILE skip)")
    assert "--on-conflict" not in "\n".join(got)


@pytest.mark.cluster
@pytest.mark.parametrize("cluster", ["valkey9"], indirect=True)  # one kind is enough
def test_multi_in_cluster_mode(cluster: Cluster) -> None:  # noqa: F811
    session = Session(redipy.Redis(url=cluster.url))
    got = run(session, "MULTI", "WATCH k", "SET k 1", "GET k")
    assert got[:2] == [
        "(error) ERR MULTI needs one connection to one node, and cluster mode (-c) sends "
        "each command to its key's node: connect to a node without -c for a transaction "
        "whose keys share a slot",
        "(error) ERR WATCH needs one connection to one node, and cluster mode (-c) sends "
        "each command to its key's node: connect to a node without -c for a transaction "
        "whose keys share a slot"]
    assert got[2:] == ["OK", '"1"']
    assert "pipeline" not in "\n".join(got)
    session.close()
