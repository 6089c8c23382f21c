"""``%%redipy`` and ``%redipy``: Redis commands and redipy tools in IPython.

``%%redipy [-o NAME] [--on CONN]`` runs one redis-cli command per line on the current
connection; the cell's value is the last reply. ``%redipy SUBCOMMAND ...`` manages
connections, shows and runs scripts, and moves data (``%redipy help`` lists them).
IPython's own ``$var``/``{var}`` expansion is off for both: ``$name`` is redipy's,
and only ever a whole argument.
"""

from __future__ import annotations

import importlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redipy.migrate as migration
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from redipy.repl.lualex import with_file
from redipy.repl.magics.cells import Bound, as_arg, lookup_in, parse_cell, split_words
from redipy.repl.magics.connections import Connections
from redipy.repl.magics.display import LuaCode, Reply, Table, Trace, stepper
from redipy.repl.magics.errors import EXPECTED, MagicError, error_line, one_line
from redipy.repl.magics.insight import Plot, Profile, plot_data
from redipy.repl.magics.values import dataframe, plain_value
from redipy.repl.meta import declared
from traitlets import Bool, Integer, TraitError, Unicode, validate

from redipy.errors import ResponseError, ScriptError
from redipy.reply import QUEUED

USAGE = """\
%%redipy [-o NAME] [--df] [--on CONN]   one Redis command per line (redis-cli syntax); the
                                 cell's value is the last reply, -o NAME keeps every reply
                                 as Python values (--df: the last one as a DataFrame)
                                 ($name / $*name put Python values in as whole arguments)
%%redipy --lua [--step] [-o NAME] [--on CONN] KEY ... , ARG ...   the cell is a Lua script:
                                 run as EVAL with those KEYS and ARGV (--step: run it step
                                 by step and show the trace; changes roll back)
%redipy [-o NAME] [--df] [--on CONN] COMMAND ARG ...   one command on one line; its value
                                 as Python values (x = %redipy LRANGE l 0 -1); a name
                                 below in lower case is the subcommand, so write DUMP,
                                 MIGRATE or CLIENT in upper case for the Redis command
%redipy connect memory|URL [--as NAME] [--prefix P] [--password-env VAR | --password-prompt]
                                 [--or-memory]   open a backend and use it (the password
                                 from an environment variable or typed, never in the
                                 line; --or-memory: the memory backend if none answers)
%redipy use NAME                 run cells on another connection
%redipy connections              list connections (passwords masked)
%redipy client [NAME]            the redipy.Redis of a connection, for Python code
%redipy lua SCRIPT               the Lua a FnContext variable compiles to
%redipy run SCRIPT key=... arg=...    run a script on the current connection
%redipy step SCRIPT key=... arg=...   run it step by step and show the trace
%redipy step [LUA] [KEY ... , ARG ...]   the last --lua cell (or a variable holding Lua)
                                 step by step: the trace table (changes roll back)
%redipy dump FILE [--on-conflict replace]   write every key of the current connection
                                 to a snapshot file
%redipy load FILE [--on-conflict fail|replace|skip]   load a snapshot into it
%redipy migrate SRC DST [--on-conflict ...] [--match PATTERN] [--verify]
                                 copy keys; SRC/DST: connection names, URLs or snapshot files
%redipy compare A B [--match PATTERN]   say whether two of those hold the same data
%redipy profile [PATTERN] [--count N] [--limit N]   keys by prefix and type, TTLs, memory
                                 by prefix, the biggest keys (sampled with SCAN)
%redipy plot KEY                 a sorted set as bars; a list of numbers or a stream's
                                 numeric fields as lines
%redipy help                     this list
settings: %config RedipyMagics.display_limit = 100  (also .html, .stepper, .plots =
          auto|matplotlib|html)"""

Words = list[str | Bound]

CELL_ORIGIN = re.compile(r"([^\s:()`]+\.py|<ipython-input-[^>]+>):(\d+)")
"""``file.py:NN`` as :mod:`redipy.script` writes where a statement was built."""


@dataclass
class Parsed:
    """A line magic's words: positional ones and ``--option value`` ones."""

    args: Words
    opts: dict[str, str | Bound | bool]


def parse_options(words: Words, valued: set[str],
                  flags: set[str] | frozenset[str] = frozenset()) -> Parsed:
    """Split ``--name value`` options (and bare ``--flag``) from positional words."""
    args: Words = []
    opts: dict[str, str | Bound | bool] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if isinstance(word, str) and word.startswith("-") and len(word) > 1 \
                and not word[1:].isdigit():
            name = word.lstrip("-")
            if name in flags:
                opts[name] = True
            elif name in valued:
                if i + 1 >= len(words):
                    raise MagicError(f"{word} needs a value")
                i += 1
                opts[name] = words[i]
            else:
                raise MagicError(f"unknown option {word}")
        else:
            args.append(word)
        i += 1
    return Parsed(args, opts)


def _positive(word: str | Bound | bool | None, flag: str, default: int) -> int:
    if word is None:
        return default
    try:
        value = int(text_of(word))
    except ValueError:
        value = 0
    if value < 1:
        raise MagicError(f"{flag} needs a positive whole number, not {text_of(word)!r}")
    return value


def with_password(url: str, password: str) -> str:
    """``url`` with ``password`` in it (kept in memory only; shown masked)."""
    from urllib.parse import quote as q
    from urllib.parse import urlsplit

    if "://" not in url:
        raise MagicError("a password needs a server URL (redis://host:port/db)")
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return parts._replace(netloc=f"{q(parts.username or '', safe='')}:"
                                 f"{q(password, safe='')}@{host}").geturl()


def text_of(word: str | Bound | bool) -> str:
    if isinstance(word, Bound):
        return word.text()
    return str(word)


@magics_class
class RedipyMagics(Magics):
    """The redipy magics; settings through ``%config RedipyMagics.<name> = value``."""

    display_limit = Integer(
        100, help="Elements (pairs for hashes, rows for traces) shown of a long reply; "
                  "the rest is counted, not shown.").tag(config=True)
    html = Bool(True, help="Show collections and traces as HTML tables as well as text."
                ).tag(config=True)
    stepper = Bool(True, help="With ipywidgets installed, %redipy step also shows a "
                              "stepper widget.").tag(config=True)
    plots = Unicode("auto", help="How profile and plot draw charts: auto (matplotlib when "
                                 "installed, else HTML), matplotlib or html.").tag(config=True)

    @validate("plots")
    def _check_plots(self, proposal: Any) -> str:
        value = str(proposal["value"])
        if value not in ("auto", "matplotlib", "html"):
            raise TraitError("plots is auto, matplotlib or html")
        return value

    @validate("display_limit")
    def _check_limit(self, proposal: Any) -> int:
        value = int(proposal["value"])
        if value < 1:
            raise TraitError("display_limit must be at least 1")
        return value

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self.connections = Connections()
        self._last_lua: tuple[str, list[str], list[str]] | None = None
        """The last ``%%redipy --lua`` cell: its body, keys and args."""
        self._fns: dict[tuple[int, int], tuple[Any, Any, Any]] = {}
        self._subcommands: dict[str, Callable[[Words], Any]] = {
            "connect": self._connect, "use": self._use, "connections": self._list,
            "client": self._client, "lua": self._lua, "run": self._run, "step": self._step,
            "dump": self._dump, "load": self._load, "migrate": self._migrate,
            "compare": self._compare, "help": self._help, "profile": self._profile,
            "plot": self._plot,
        }

    # ---- the magic -------------------------------------------------------------------

    @no_var_expand
    @line_cell_magic
    def redipy(self, line: str, cell: str | None = None) -> Any:
        """Redis commands (cell) and redipy tools (line); ``%redipy help`` lists them."""
        if cell is None:
            return self._line(line)
        return self._cell(line, cell)

    def _lookup(self) -> Callable[[str], Any]:
        return lookup_in(self.shell.user_ns if self.shell is not None else {})

    def _cell(self, line: str, cell: str) -> Any:
        try:
            parsed = parse_options(split_words(line, self._lookup()), {"o", "output", "on"},
                                   {"df", "lua", "step"})
            if parsed.opts.get("lua"):
                return self._lua_cell(parsed, cell)
            if parsed.args:
                raise MagicError(f"unexpected {text_of(parsed.args[0])!r} after %%redipy "
                                 "(options: -o NAME, --df, --on CONN)")
            output = parsed.opts.get("o") or parsed.opts.get("output")
            on = parsed.opts.get("on")
            conn = self.connections.get(text_of(on) if on else None)
            commands = parse_cell(cell, self._lookup(), first=2)  # line 1 is %%redipy
        except EXPECTED as err:
            raise one_line(err) from None
        replies: list[Any] = []
        backend = conn.client.backend
        try:
            for command in commands:
                for _ in range(command.repeat):
                    reply = backend.execute(*with_file(command.argv))
                    if conn.in_tx and reply == "QUEUED" and type(reply) is str:
                        reply = QUEUED  # inside MULTI every command answers +QUEUED
                    replies.append(reply)
                    name = command.argv[0].upper()
                    if name == "MULTI":
                        conn.in_tx = True
                    elif name in ("EXEC", "DISCARD"):
                        conn.in_tx = False
        except EXPECTED as err:
            if command.argv[0].upper() in ("EXEC", "DISCARD"):
                conn.in_tx = False
            where = f" [line {command.line}: {command.argv[0]}]" if len(commands) > 1 else ""
            raise one_line(err, where) from None
        finally:
            if output and self.shell is not None:
                values = [plain_value(r, c.argv) for r, c in zip(replies, self._runs(commands))]
                self.shell.user_ns[text_of(output)] = (
                    dataframe(values[-1]) if parsed.opts.get("df") and values else values)
        if not commands:
            return None
        if parsed.opts.get("df"):
            return dataframe(plain_value(replies[-1], commands[-1].argv))
        return Reply(replies[-1], commands[-1].argv, limit=self.display_limit, html=self.html)

    def _lua_cell(self, parsed: Parsed, body: str) -> Any:
        """``%%redipy --lua KEY ... , ARG ...``: the cell's Lua as EVAL (or ``--step``)."""
        from redipy.repl.ldb import split_keys

        words = [text_of(w) for w in parsed.args]
        keys, args = split_keys(words)
        self._last_lua = (body, keys, args)
        on = parsed.opts.get("on")
        conn = self.connections.get(text_of(on) if on else None)
        if parsed.opts.get("step"):
            return self._lua_step(conn.client, body, keys, args)
        argv = ["EVAL", body, str(len(keys)), *keys, *args]
        reply = conn.client.backend.execute(*argv)
        if isinstance(reply, BaseException):  # an error reply the script returned
            raise reply
        output = parsed.opts.get("o") or parsed.opts.get("output")
        if output and self.shell is not None:
            self.shell.user_ns[text_of(output)] = plain_value(reply, argv)
        return Reply(reply, argv, limit=self.display_limit, html=self.html)

    def _lua_step(self, client: Any, body: str, keys: list[str], args: list[str]) -> Trace:
        from redipy.debug.lua import lua_trace

        result = lua_trace(client, body, keys, args)
        inputs = {f"KEYS[{i}]": k for i, k in enumerate(keys, 1)}
        inputs.update({f"ARGV[{i}]": a for i, a in enumerate(args, 1)})
        trace = Trace(result, body, limit=self.display_limit, name="lua", inputs=inputs,
                      python=False)
        return self._show_trace(trace)

    @staticmethod
    def _runs(commands: list[Any]) -> list[Any]:
        """Each command once per run (``3 INCR n`` runs three times)."""
        return [c for c in commands for _ in range(c.repeat)]

    def _line(self, line: str) -> Any:
        try:
            words = split_words(line, self._lookup())
            if not words:
                return self._help([])
            first = text_of(words[0])
            handler = self._subcommands.get(first)
            if handler is None:
                return self._command(words)
            return handler(words[1:])
        except EXPECTED as err:
            raise one_line(err, rename=self._cell_names) from None

    def _command(self, words: Words) -> Any:
        """``%redipy [-o NAME] [--df] [--on CONN] COMMAND ARG ...``: one Redis command;
        its reply as Python values (a DataFrame with ``--df``)."""
        opts: dict[str, str | Bound | bool] = {}
        while words and isinstance(words[0], str) and words[0] in ("-o", "--on", "--df"):
            flag = words.pop(0)
            if flag == "--df":
                opts["df"] = True
                continue
            if not words:
                raise MagicError(f"{flag} needs a value")
            opts[str(flag).lstrip("-")] = words.pop(0)
        if not words:
            raise MagicError("no command after the options (%redipy help lists subcommands)")
        argv: list[str] = []
        for word in words:
            if isinstance(word, Bound):
                if word.field:
                    argv.append(f"{word.field}={word.text()}")
                else:
                    argv.append(as_arg(word.value, word.name))
            else:
                argv.append(word)
        on = opts.get("on")
        conn = self.connections.get(text_of(on) if on else None)
        try:
            reply = conn.client.backend.execute(*with_file(argv))
        except ResponseError as err:
            if str(err).startswith("ERR unknown command") and argv[0].islower():
                raise MagicError(f"{err.args[0]}(nor a %redipy subcommand: "
                                 "%redipy help lists them)") from None
            raise
        name = argv[0].upper()
        if name == "MULTI":
            conn.in_tx = True
        elif name in ("EXEC", "DISCARD"):
            conn.in_tx = False
        value = plain_value(reply, argv)
        if opts.get("df"):
            value = dataframe(value)
        output = opts.get("o")
        if output and self.shell is not None:
            self.shell.user_ns[text_of(output)] = value
        return value

    def _cell_names(self, text: str) -> str:
        """``text`` with notebook cells' file names (``1129712469.py:7``, from scripts built
        in a cell) shown as IPython shows them in tracebacks (``In[3]:7``)."""
        if ".py:" not in text and "<ipython-input-" not in text:
            return text
        compiler = getattr(self.shell, "compile", None)
        names = getattr(compiler, "_filename_map", None)
        if not isinstance(names, dict) or not names:
            return text
        labels = {os.path.basename(str(name)): number for name, number in names.items()}

        def label(match: re.Match[str]) -> str:
            number = labels.get(match.group(1))
            return match.group(0) if number is None else f"In[{number}]:{match.group(2)}"

        return CELL_ORIGIN.sub(label, text)

    # ---- connections -----------------------------------------------------------------

    def _connect(self, words: Words) -> None:
        parsed = parse_options(words, {"as", "prefix", "password-env"},
                               {"password-prompt", "or-memory"})
        if len(parsed.args) != 1:
            raise MagicError("usage: %redipy connect memory|URL [--as NAME] [--prefix P] "
                             "[--password-env VAR | --password-prompt] [--or-memory]")
        name = parsed.opts.get("as")
        prefix = parsed.opts.get("prefix")
        target = text_of(parsed.args[0])
        password = None
        env = parsed.opts.get("password-env")
        if env:
            password = os.environ.get(text_of(env))
            if password is None:
                raise MagicError(f"environment variable {text_of(env)} is not set")
        elif parsed.opts.get("password-prompt"):
            import getpass

            password = getpass.getpass("password: ")
        if password is not None:
            target = with_password(target, password)
        try:
            conn = self.connections.connect(target, text_of(name) if name else None,
                                            prefix=text_of(prefix) if prefix else "")
        except EXPECTED as err:
            if not parsed.opts.get("or-memory") or target.lower() == "memory":
                raise
            # the same name, so later cells (--on NAME, use NAME) run unchanged
            fallback = text_of(name) if name else "memory"
            conn = self.connections.connect("memory", None if fallback == "memory"
                                            else fallback)
            print(f"no server answered ({error_line(err)[len('(error) '):]}); "
                  f"{conn.name} is an in-process memory backend instead")
            return
        print(f"now on {conn.name} ({conn.label})")

    def _use(self, words: Words) -> None:
        if len(words) != 1:
            raise MagicError("usage: %redipy use NAME")
        conn = self.connections.use(text_of(words[0]))
        print(f"now on {conn.name} ({conn.label})")

    def _list(self, words: Words) -> Table:
        return Table(["", "name", "backend", "where"], self.connections.rows())

    def _client(self, words: Words) -> Any:
        if len(words) > 1:
            raise MagicError("usage: %redipy client [NAME]")
        return self.connections.get(text_of(words[0]) if words else None).client

    def _help(self, words: Words) -> None:
        print(USAGE)

    # ---- scripts -----------------------------------------------------------------------

    def _script(self, word: str | Bound) -> tuple[str, Any]:
        """The FnContext a word names (a variable name, or ``$name``)."""
        from redipy.script import FnContext

        if isinstance(word, Bound):
            name, ctx = word.name, word.value
        else:
            name = word.lstrip("$")
            namespace = self.shell.user_ns if self.shell is not None else {}
            if name not in namespace:
                scripts = sorted(k for k, v in namespace.items()
                                 if isinstance(v, FnContext) and not k.startswith("_"))
                known = ", ".join(scripts) if scripts else "none yet"
                raise MagicError(f"no script named {name!r}: name a variable holding a "
                                 f"redipy.script.FnContext (defined: {known})")
            ctx = namespace[name]
        if not isinstance(ctx, FnContext):
            raise MagicError(f"{name} is not a redipy.script.FnContext "
                             f"(it is {type(ctx).__name__})")
        return name, ctx

    def _inputs(self, ctx: Any, words: Words) -> tuple[dict[str, str], dict[str, Any]]:
        """``name=value`` words as the script's keys and args (literal args read as JSON)."""
        key_names, arg_names = declared(ctx)
        keys: dict[str, str] = {}
        args: dict[str, Any] = {}
        for word in words:
            value: Any
            if isinstance(word, Bound):
                if not word.field:
                    raise MagicError(f"expected name=value, got ${word.name}")
                name, value, literal = word.field, word.value, False
            else:
                name, sep, value = word.partition("=")
                literal = True
                if not sep:
                    raise MagicError(f"expected name=value, got {word!r}")
            if name in key_names:
                keys[name] = value if literal else as_arg(value, name)
            elif name in arg_names:
                if literal:
                    try:
                        value = json.loads(value)
                    except ValueError:
                        pass
                args[name] = value
            else:
                raise MagicError(
                    f"{name!r} is neither a key nor an argument of this script "
                    f"(keys: {', '.join(key_names) or '-'}; args: {', '.join(arg_names) or '-'})")
        missing = [n for n in key_names if n not in keys] + \
            [n for n in arg_names if n not in args]
        if missing:
            raise MagicError(f"missing: {', '.join(missing)}")
        return keys, args

    def _registered(self, ctx: Any, client: Any) -> Any:
        """``client.register_script(ctx)``, once per script and connection."""
        key = (id(ctx), id(client))
        found = self._fns.get(key)
        if found is None or found[0] is not ctx or found[1] is not client:
            found = self._fns[key] = (ctx, client, client.register_script(ctx))
        return found[2]

    def _lua(self, words: Words) -> LuaCode:
        if len(words) != 1:
            raise MagicError("usage: %redipy lua SCRIPT")
        from redipy.script import lua_line_map, to_lua

        _name, ctx = self._script(words[0])
        origins = {n: self._cell_names(o) for n, o in lua_line_map(ctx).items()}
        return LuaCode(self._cell_names(to_lua(ctx)), origins)

    def _run(self, words: Words) -> Reply:
        if not words:
            raise MagicError("usage: %redipy run SCRIPT key=... arg=...")
        _name, ctx = self._script(words[0])
        keys, args = self._inputs(ctx, words[1:])
        client = self.connections.current.client
        value = self._registered(ctx, client)(keys=keys, args=args)
        return Reply(value, None, limit=self.display_limit, html=self.html)

    def _step(self, words: Words) -> Trace:
        lua = self._lua_source(words)
        if lua is not None:
            return self._lua_step(self.connections.current.client, *lua)
        if not words:
            raise MagicError("usage: %redipy step SCRIPT key=... arg=...")
        name, ctx = self._script(words[0])
        keys, args = self._inputs(ctx, words[1:])
        try:
            debug = importlib.import_module("redipy.debug")
        except ImportError:
            debug = None
        trace_run = getattr(debug, "trace_run", None)
        if trace_run is None:
            raise MagicError("the script debugger (redipy.debug.trace_run) is not available")
        from redipy.script import lua_line_map, to_lua

        result = trace_run(self.connections.current.client, ctx, keys=keys, args=args)
        origins = {n: self._cell_names(o) for n, o in lua_line_map(ctx).items()}
        trace = Trace(result, self._cell_names(to_lua(ctx)), origins,
                      limit=self.display_limit,
                      name=name, inputs={**keys, **args}, rename=self._cell_names)
        return self._show_trace(trace)

    def _lua_source(self, words: Words) -> tuple[str, list[str], list[str]] | None:
        """What ``%redipy step`` steps as Lua: a variable holding Lua source, or the last
        ``--lua`` cell (its keys and args unless new ones follow); None for a script."""
        from redipy.repl.ldb import split_keys

        last = self._last_lua
        if not words:
            if last is None:
                raise MagicError("usage: %redipy step SCRIPT key=... arg=... (or after a "
                                 "%%redipy --lua cell: %redipy step [KEY ... , ARG ...])")
            return last
        namespace = self.shell.user_ns if self.shell is not None else {}
        first = words[0]
        value = first.value if isinstance(first, Bound) else namespace.get(first.lstrip("$"))
        if isinstance(value, str):
            keys, args = split_keys([text_of(w) for w in words[1:]])
            return value, keys, args
        if value is not None or last is None:
            return None  # a FnContext (or a name the script path explains)
        keys, args = split_keys([text_of(w) for w in words])
        return last[0], keys, args

    def _show_trace(self, trace: Trace) -> Trace:
        # widgets only where a frontend can draw them (a kernel, not terminal IPython)
        in_kernel = getattr(self.shell, "kernel", None) is not None
        widget = stepper(trace) if self.stepper and in_kernel else None
        if widget is not None or trace.error:
            from IPython.display import display as untyped_display

            display: Any = untyped_display

            if widget is not None:
                display(widget)
            if trace.error:
                display(trace)
                raise ScriptError(trace.error)
        return trace

    # ---- snapshots and migration -----------------------------------------------------------

    def _report(self, report: Any) -> None:
        """The engine's one-line summary; a copy that is not ``ok`` fails the cell with it."""
        if not report.ok:
            raise MagicError(report.summary())
        print(report.summary())

    @staticmethod
    def _conflict(opts: dict[str, str | Bound | bool]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        policy = opts.get("on-conflict")
        if policy:
            kwargs["on_conflict"] = text_of(policy).lower()
        match = opts.get("match")
        if match:
            kwargs["match"] = text_of(match)
        if opts.get("verify"):
            kwargs["verify"] = True
        return kwargs

    def _dump(self, words: Words) -> None:
        parsed = parse_options(words, {"on-conflict", "match"}, {"verify"})
        if len(parsed.args) != 1:
            raise MagicError("usage: %redipy dump FILE [--on-conflict fail|replace] "
                             "[--match PATTERN]")
        self._report(migration.dump(self.connections.current.client, text_of(parsed.args[0]),
                          **self._conflict(parsed.opts)))

    def _load(self, words: Words) -> None:
        parsed = parse_options(words, {"on-conflict", "match"}, {"verify"})
        if len(parsed.args) != 1:
            raise MagicError("usage: %redipy load FILE [--on-conflict fail|replace|skip]")
        self._report(migration.load(text_of(parsed.args[0]), self.connections.current.client,
                          **self._conflict(parsed.opts)))

    def _migrate(self, words: Words) -> None:
        parsed = parse_options(words, {"on-conflict", "match"}, {"verify"})
        if len(parsed.args) != 2:
            raise MagicError("usage: %redipy migrate SRC DST [--on-conflict fail|replace|skip]"
                             " [--match PATTERN] [--verify]")
        src, dst = (self.connections.resolve(text_of(w)) for w in parsed.args)
        self._report(migration.migrate(src, dst, **self._conflict(parsed.opts)))

    def _compare(self, words: Words) -> None:
        parsed = parse_options(words, {"match"})
        if len(parsed.args) != 2:
            raise MagicError("usage: %redipy compare A B [--match PATTERN]")
        a, b = (self.connections.resolve(text_of(w)) for w in parsed.args)
        report = migration.compare(a, b, **self._conflict(parsed.opts))
        print("\n".join([report.summary(), *(f"  {p}" for p in report.problems[:5])]))

    # ---- keyspace insight --------------------------------------------------------------

    def _profile(self, words: Words) -> Profile:
        parsed = parse_options(words, {"count", "limit"})
        if len(parsed.args) > 1:
            raise MagicError("usage: %redipy profile [PATTERN] [--count N] [--limit N]")
        pattern = text_of(parsed.args[0]) if parsed.args else None
        count = _positive(parsed.opts.get("count"), "--count", 100)
        limit_opt = parsed.opts.get("limit")
        limit = _positive(limit_opt, "--limit", 0) if limit_opt else None
        from redipy.repl.keyspace import profile
        from redipy.repl.session import Session

        session = Session(self.connections.current.client)
        report = profile(session, pattern=pattern, count=count, limit=limit,
                         progress=self._progress())
        return Profile(report, plots=self.plots)

    def _progress(self) -> Callable[[int | None, int | None], None]:
        """A progress line, updated in place (a display handle in a notebook)."""
        in_kernel = getattr(self.shell, "kernel", None) is not None
        handle: list[Any] = []

        def show(done: int | None, total: int | None) -> None:
            frac = min(1.0, done / total) if done is not None and total else 1.0
            text = f"sampling keys [{'#' * int(frac * 30):<30}] {done}/{total}"
            if in_kernel:
                from IPython.display import display as untyped_display

                display: Any = untyped_display
                if handle:
                    handle[0].update({"text/plain": text}, raw=True)
                else:
                    handle.append(display({"text/plain": text}, raw=True, display_id=True))
            else:
                import sys

                sys.stdout.write("\r" + text + ("\n" if frac >= 1.0 else ""))
                sys.stdout.flush()

        return show

    def _plot(self, words: Words) -> Plot:
        if len(words) != 1:
            raise MagicError("usage: %redipy plot KEY")
        key = text_of(words[0])
        backend = self.connections.current.client.backend
        shape, data = plot_data(lambda *argv: backend.execute(*argv), key,
                                self.display_limit)
        return Plot(key, shape, data, plots=self.plots)

    def close(self) -> None:
        """Close every connection (``%unload_ext redipy``)."""
        self.connections.close()
        self._fns.clear()
