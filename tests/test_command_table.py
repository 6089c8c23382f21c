"""The command table is the one source of truth: check it against itself,
the API, the README and the real servers' own COMMAND INFO."""

from __future__ import annotations

from pathlib import Path

import redis as redis_py

import redipy
from redipy.api.methods import methods_for
from redipy.commands import COMMANDS
from redipy.commands.docs import render_into
from redipy.memory.registry import HANDLERS
from tests.servers import Server

ROOT = Path(__file__).resolve().parent.parent


def test_readme_table_is_current() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert render_into(text) == text, "run: python -m redipy.commands.docs README.md"


def test_every_command_has_a_memory_handler() -> None:
    import redipy.memory.backend  # noqa: F401  (registers the handlers)

    missing = sorted(name for name in COMMANDS if name not in HANDLERS)
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
    for name, spec in COMMANDS.items():
        entry = info[name]
        assert entry is not None, f"{server.kind} does not know {name}"
        if isinstance(entry, dict):  # redis-py may parse it into a dict
            arity, first, last, step = (
                entry["arity"], entry["first_key_pos"], entry["last_key_pos"], entry["step_count"])
        else:
            arity, first, last, step = entry[1], entry[3], entry[4], entry[5]
        # Valkey 8 / Redis 7.2 added ZRANK ... WITHSCORE; the table follows Redis 7.0's arity.
        newer = {"ZRANK": -3, "ZREVRANK": -3}
        assert spec.arity == arity or newer.get(name) == arity, f"{name}: {spec.arity} != {arity}"
        argv = ["X"] * 12
        if first:
            # numkeys commands report first=last=0 in the legacy triple; check ranges only
            want = list(range(first, (len(argv) + last if last < 0 else last) + 1, step))
            got = spec.key_positions(argv)
            assert got[: len(want)] == want[: len(got)] and got, f"{name}: keys {got} vs {want}"
