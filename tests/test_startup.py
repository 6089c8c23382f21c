"""Start-up stays light: a memory backend, or the shell answering one command, imports
no handler module it does not run, nor the script compiler, lupa, prompt_toolkit, rich,
pygments or importlib.metadata. Not timed (benchmarks/bench_startup.py times it): these
tests check which modules load, so the gain cannot silently regress.

Handler modules load per group of the table on first use (``HOMES`` in
redipy/memory/backend.py); the last tests check every group loads from its homes alone
and that a fresh process answers every door exactly as one with everything loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from redipy.commands import COMMANDS, GROUPS

LIGHT_HANDLERS = ("redipy.memory.cmd_pubsub", "redipy.memory.cmd_transactions")
"""Handler modules the backend itself needs (its broker, MULTI sessions): small ones."""

HEAVY = ("redipy.script", "lupa", "prompt_toolkit", "rich", "pygments", "IPython", "redis",
         "importlib.metadata")

REPORT = f"""
import json, sys
def loaded():
    handlers = sorted(m for m in sys.modules if m.startswith("redipy.memory.cmd_")
                      and m not in {LIGHT_HANDLERS!r})
    heavy = sorted(m for m in sys.modules
                   if any(m == h or m.startswith(h + ".") for h in {HEAVY!r}))
    return {{"handlers": handlers, "heavy": heavy}}
"""


def _run(code: str) -> dict[str, object]:
    env = {**os.environ, "REDIPY_HISTFILE": ""}
    got = subprocess.run([sys.executable, "-c", REPORT + code], capture_output=True,
                         text=True, timeout=120, env=env)
    assert got.returncode == 0, got.stderr
    return dict(json.loads(got.stdout.splitlines()[-1]))


def test_building_a_memory_backend_imports_no_handler() -> None:
    got = _run("import redipy\n"
               "r = redipy.Redis()\n"
               "built = loaded()\n"
               "r.set('k', 'v'); assert r.get('k') == 'v'\n"
               "print(json.dumps({'built': built, 'after_set': loaded()}))\n")
    assert got["built"] == {"handlers": [], "heavy": []}
    # the first SET loads the string group's modules, and only those
    assert got["after_set"] == {"handlers": ["redipy.memory.cmd_lcs",
                                             "redipy.memory.cmd_strings"], "heavy": []}


def test_one_shot_shell_ping_imports_nothing_heavy() -> None:
    """Not even the typed API: the shell answers from a bare memory backend; its own
    commands (``:``), HELP and the hint line's catalog load when used."""
    got = _run("import io\n"
               "from redipy.repl.app import main\n"
               "out = io.StringIO()\n"
               "assert main(['PING'], stdout=out) == 0 and out.getvalue() == 'PONG\\n'\n"
               "extras = ('redipy.repl.meta', 'redipy.repl.toolbar', 'redipy.repl.catalog')\n"
               "print(json.dumps({**loaded(), 'api': 'redipy.api' in sys.modules,\n"
               "                  'extras': [m for m in extras if m in sys.modules]}))\n")
    assert got == {"handlers": [], "heavy": [], "api": False, "extras": []}


def test_the_prompt_on_memory_warms_up_the_backend_after_its_first_draw() -> None:
    """The warm-up thread builds the memory backend, not the typed client (typed commands
    never need it), and starts once the prompt is drawn, not while it is being drawn."""
    got = _run("import io, time\n"
               "from prompt_toolkit.input import create_pipe_input\n"
               "from prompt_toolkit.output import DummyOutput\n"
               "from prompt_toolkit.history import InMemoryHistory\n"
               "import redipy.repl.app as app, redipy.repl.prompt as prompt\n"
               "from redipy.repl.session import Session\n"
               "from redipy.repl.shell import Shell\n"
               "session = Session()\n"
               "events = []\n"
               "warm = session.warm_up\n"
               "session.warm_up = lambda: (events.append('warm up'), warm())[1]\n"
               "build = prompt.build_prompt\n"
               "def spying(*args, **kwargs):\n"
               "    p = build(*args, **kwargs)\n"
               "    p.app.before_render += lambda _: events.append('draw')\n"
               "    return p\n"
               "prompt.build_prompt = spying\n"
               "out = io.StringIO()\n"
               "with create_pipe_input() as inp:\n"
               "    inp.send_text('PING\\r')\n"
               "    inp.close()\n"
               "    app.interactive(Shell(session, out=out), input=inp, output=DummyOutput(),\n"
               "                    history=InMemoryHistory())\n"
               "assert out.getvalue() == 'PONG\\n', out.getvalue()\n"
               "for _ in range(100):  # the warm-up thread's last import\n"
               "    if 'redipy.memory.client' in sys.modules: break\n"
               "    time.sleep(0.05)\n"
               "print(json.dumps({'first': events[:2], 'warmed': events.count('warm up'),\n"
               "                  'backend': session._backend is not None,\n"
               "                  'api': 'redipy.api' in sys.modules,\n"
               "                  'main': 'redipy.main' in sys.modules}))\n")
    assert got == {"first": ["draw", "warm up"], "warmed": 1, "backend": True, "api": False,
                   "main": False}


def test_import_redipy_imports_only_the_package() -> None:
    """``redipy.Redis`` and the typed API load on first use (``redipy.__getattr__``)."""
    got = _run("import redipy\n"
               "mods = sorted(m for m in sys.modules if m.startswith('redipy'))\n"
               "from redipy import Redis, RSM_ALWAYS\n"
               "print(json.dumps({'mods': mods, 'names': [Redis.__module__, RSM_ALWAYS]}))\n")
    assert got == {"mods": ["redipy", "redipy.version"], "names": ["redipy.main", "always"]}


def test_every_group_loads_from_its_homes_alone() -> None:
    """A fresh process per group: each command of the group resolves to a real handler
    (``Lazy.load`` raises when its group's modules do not register it)."""
    code = ("import sys\n"
            "import redipy.memory.backend\n"
            "from redipy.commands import COMMANDS\n"
            "from redipy.memory.registry import Lazy, resolve\n"
            "names = [n for n, s in COMMANDS.items()\n"
            "         if s.group == sys.argv[1] and not s.module]\n"
            "assert names and all(type(resolve(n)) is not Lazy for n in names)\n"
            "print(len(names))\n")
    builtin = [spec for spec in COMMANDS.values() if not spec.module]
    groups = [group for group in GROUPS if any(spec.group == group for spec in builtin)]
    procs = {group: subprocess.Popen([sys.executable, "-c", code, group], text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for group in groups}
    counted = 0
    for group, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, f"{group}: {err}"
        counted += int(out)
    assert counted == len(builtin)


DOORS = """
import redipy, redis
from redipy.script import FnContext, RedisSet
if sys.argv[1] == "loaded":
    from redipy.memory.backend import load_all
    load_all()
r = redipy.Redis()
b = r.backend
out = {}
def attempt(key, fn):
    try:
        out[key] = fn()
    except Exception as err:
        out[key] = [type(err).__name__, str(err)]
attempt("count", lambda: b.execute("COMMAND", "COUNT"))
attempt("unknown", lambda: b.execute("NOSUCH", "x"))
attempt("arity", lambda: b.execute("ZADD", "z"))
# the redis-py drop-in: sorted sets first
rp = r.redis_py(decode_responses=True)
attempt("dropin", lambda: [rp.zadd("z", {"a": 1, "b": 2}), rp.zrange("z", 0, -1)])
# raw MULTI on this thread's connection: geo commands are queued, then run
attempt("multi", lambda: [b.execute("MULTI"), b.execute("GEOADD", "g", "13.4", "52.5", "x"),
                          b.execute("GEOPOS", "g", "x"), b.execute("EXEC")])
# Lua's redis.call: lists
attempt("lua", lambda: b.execute(
    "EVAL", "redis.call('RPUSH', KEYS[1], 'a', 'b'); return redis.call('LPOP', KEYS[1])",
    "1", "l"))
# a builder script: sets, through their direct forms
ctx = FnContext(name="seen")
seen = RedisSet(ctx.add_key("seen"))
ctx.set_return_value(seen.add(ctx.add_arg("x")))
fn = r.register_script(ctx)
attempt("script", lambda: fn(keys={"seen": "s"}, args={"x": "m"}))
out["direct"] = "_d_SADD" in b.scripts[fn._comp.sha][1].source
# redipy serve: hashes
handle = redipy.serve(b)
client = redis.Redis(port=handle.port, decode_responses=True)
attempt("serve", lambda: [client.hset("h", "f", "v"), client.hget("h", "f"),
                          client.hlen("h")])
client.close()
handle.stop()
# the typed API: hyperloglog
attempt("typed", lambda: [r.pfadd("p", "a", "b"), r.pfcount("p")])
attempt("info", lambda: b.execute("COMMAND", "INFO", "PFADD", "XADD"))
print(json.dumps(out, default=str))
"""


def test_lazy_handlers_are_invisible_to_every_door() -> None:
    """Each door meets a group no earlier door loaded; a fresh process must answer
    exactly as one that imported every handler module first."""
    lazy = _run("sys.argv[1:] = ['lazy']\n" + DOORS)
    eager = _run("sys.argv[1:] = ['loaded']\n" + DOORS)
    assert lazy == eager
    assert lazy["direct"] is True
    failed = {k for k, v in lazy.items()
              if isinstance(v, list) and len(v) == 2 and str(v[0]).endswith("Error")}
    assert failed == {"unknown", "arity"}, lazy
    assert lazy["count"] == len([spec for spec in COMMANDS.values() if not spec.module])
