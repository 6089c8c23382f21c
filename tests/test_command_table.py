"""The command table is the one source of truth: check it against itself,
the API, the README and the real servers' own COMMAND INFO."""

from __future__ import annotations

from pathlib import Path

import redis as redis_py

import redipy
from redipy.api.methods import methods_for
from redipy.commands import COMMANDS
from redipy.commands.docs import render_into
from redipy.commands.spec import CommandSpec
from redipy.memory.registry import HANDLERS, Lazy
from tests.servers import Server

ROOT = Path(__file__).resolve().parent.parent


def test_readme_table_is_current() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert render_into(text) == text, "run: python -m redipy.commands.docs README.md"


def test_every_command_has_a_memory_handler() -> None:
    from redipy.memory.backend import load_all

    load_all()  # until then a lazy stand-in holds each name (tests/test_startup.py)
    missing = sorted(name for name in COMMANDS
                     if name not in HANDLERS or type(HANDLERS[name]) is Lazy)
    assert not missing


def test_api_methods_exist() -> None:
    client = redipy.Redis()
    for spec in COMMANDS.values():
        for name in methods_for(spec.name):
            assert callable(getattr(client, name, None)), f"{spec.name}: no method {name}"


def test_derived_methods_follow_the_code() -> None:
    """What the README says sends a command is what the code sends (spot checks that
    cover each way the derivation finds one)."""
    assert methods_for("PEXPIRE") == ("expire", "pexpire")  # via the shared builder
    assert methods_for("EXPIRE") == ("expire",)  # its own name
    assert "ping" in methods_for("PING") and "expire" not in methods_for("PING")
    assert "zrangebyscore" in methods_for("ZRANGEBYSCORE")  # through a private helper
    assert "flushall" in methods_for("UNLINK")  # a converter that walks the namespace
    assert {"sscan_iter", "zscan_iter", "hscan_iter"} <= {
        name for cmd in ("SSCAN", "ZSCAN", "HSCAN") for name in methods_for(cmd)}
    assert methods_for("EVAL") == ()  # no typed method: execute_command


def test_specs_are_complete() -> None:
    for spec in COMMANDS.values():
        assert spec.summary and spec.summary[0].isupper(), spec.name
        assert spec.complexity, spec.name
        assert spec.syntax.upper().startswith(spec.name), spec.name


def _info(server: Server) -> dict[str, list[object]]:
    raw = redis_py.Redis(port=server.port, decode_responses=True, protocol=2)
    raw.response_callbacks = {}
    reply = raw.execute_command("COMMAND", "INFO", *COMMANDS)
    raw.close()
    out: dict[str, list[object]] = {}
    for name, entry in zip(COMMANDS, reply):
        out[name] = entry
    return out


def test_arity_and_keys_match_the_server(server: Server) -> None:
    """Arity and the first/last/step key positions agree with COMMAND INFO."""
    info = _info(server)
    family, version = _family_version(server)
    for name, spec in COMMANDS.items():
        entry = info[name]
        if not spec.available_on(family, version):
            assert entry is None, f"the table says {server.kind} {version} lacks {name}"
            continue
        assert entry is not None, f"{server.kind} {version} does not know {name}"
        if isinstance(entry, dict):  # redis-py may parse it into a dict
            arity, first, last, step = (
                entry["arity"], entry["first_key_pos"], entry["last_key_pos"], entry["step_count"])
        else:
            arity, first, last, step = entry[1], entry[3], entry[4], entry[5]
        # Valkey 7.2+ / Redis 7.2 added ZRANK ... WITHSCORE; the table follows Valkey (-3),
        # Redis 7.0 says 3.
        older = {"ZRANK": 3, "ZREVRANK": 3}
        assert spec.arity == arity or older.get(name) == arity, f"{name}: {spec.arity} != {arity}"
        argv = ["X"] * 12
        if first:
            # numkeys commands report first=last=0 in the legacy triple; check ranges only
            want = list(range(first, (len(argv) + last if last < 0 else last) + 1, step))
            got = spec.key_positions(argv)
            assert got[: len(want)] == want[: len(got)] and got, f"{name}: keys {got} vs {want}"


def _family_version(server: Server) -> tuple[str, str]:
    raw = redis_py.Redis(port=server.port, decode_responses=True)
    found = raw.info("server")
    raw.close()
    if "valkey_version" in found:
        return "valkey", str(found["valkey_version"])
    return "redis", str(found["redis_version"])


#: where our cluster backend's policy differs from the server's own tip, and why
POLICY_DIFFERENCES = {
    "PING": "one primary answers PONG: the reply is the same as from all of them",
    "DEL": "multi-key commands need one slot (CROSSSLOT before sending), as redis-py's",
    "EXISTS": "as DEL", "TOUCH": "as DEL", "UNLINK": "as DEL", "MGET": "as DEL",
    "MSET": "as DEL",
    "INFO": "asked of one primary: its sections describe that node",
}
_RESPONSE = {"agg_sum": "all:sum", "all_succeeded": "all:ok", "special": "special",
             "agg_logical_and": "all:and"}


def test_cluster_policies_match_the_servers_tips(servers: dict[str, Server]) -> None:
    """The table's cluster policy is what Valkey 9.1's COMMAND tips say, except for the
    listed, deliberate differences."""
    raw = redis_py.Redis(port=servers["valkey9"].port, decode_responses=True)
    docs = raw.execute_command("COMMAND")
    raw.close()
    for name, spec in COMMANDS.items():
        tips = docs.get(name.lower(), {}).get("tips") or []
        request = next((t.split(":", 1)[1] for t in tips if t.startswith("request_policy:")), "")
        response = next((t.split(":", 1)[1] for t in tips if t.startswith("response_policy:")),
                        "")
        if name in POLICY_DIFFERENCES:
            assert request, f"{name}: the server has no tip any more; drop the difference"
            continue
        if request in ("all_shards", "all_nodes") or request == "special":
            want = _RESPONSE.get(response, "all:concat" if not response else response)
            assert spec.cluster_policy == want, f"{name}: {spec.cluster_policy} != {want}"
        elif spec.fans_out and name not in ("SCRIPT", "PUBSUB"):  # containers: per subcommand
            raise AssertionError(f"{name} fans out but the server's tips say {tips}")
        else:
            want = "one-slot" if spec.keys else "any-node"
            assert spec.cluster_policy in (want, "special"), name


def test_available_on_reads_versions() -> None:
    spec = COMMANDS["GETDEL"]  # Redis 6.2
    assert spec.available_on("redis", "7.0.15") and not spec.available_on("redis", "6.0.9")
    assert spec.available_on("valkey", "8.1.1")
    future = CommandSpec("X", "generic", 1, "S", "O(1)", "X", since="7.4.0")
    assert future.available_on("redis", "7.4.0") and not future.available_on("valkey", "9.1.2")
    assert CommandSpec("X", "generic", 1, "S", "O(1)", "X", since="7.4.0",
                       valkey_since="9.0.0").available_on("valkey", "9.1.2")


def test_every_resp3_shape_the_table_names_has_code() -> None:
    """The table names each command's RESP3 shape; the drop-in has code for each name."""
    from redipy.commands.replies import RESP3_SHAPE_NAMES
    from redipy.redispy.shapes import RESP3_SHAPES, SHAPERS

    assert set(SHAPERS) == RESP3_SHAPE_NAMES
    shaped = {name for name, spec in COMMANDS.items() if spec.resp3}
    assert shaped == set(RESP3_SHAPES)
    assert {"HGETALL", "SMEMBERS", "ZSCORE", "ZRANGE"} <= shaped
