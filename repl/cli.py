"""redis-cli's command line, parsed as redis-cli parses it.

Options come first; the first word that is not an option starts a command to run
(``redipy-shell SET a 1``), as in redis-cli. ``-h`` is the host, not help (``--help``
is help), ``-c`` is cluster mode and ``-r -1`` repeats forever, so argparse's habits
(``-h`` for help, values that start with ``-`` refused) do not fit; the table below
is the whole grammar. redipy's own options are long ones: ``--command CMD`` (what
``-c CMD`` meant before 0.8), ``--backend``, ``--url``, ``--password-env``,
``--prefix``, ``--load``, ``--save``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

USAGE = """\
Usage: redipy-shell [OPTIONS] [cmd [arg [arg ...]]]
  Without -h/-p/-s/-u/--url the shell runs on redipy's in-process memory backend.

  -h <hostname>      Server hostname (default: 127.0.0.1).
  -p <port>          Server port (default: 6379).
  -s <socket>        Server socket (overrides hostname and port).
  -a <password>      Password to use when connecting to the server (unsafe: it shows in
                     the process list; prefer REDISCLI_AUTH, --askpass or --password-env).
  --user <username>  Used to send ACL style 'AUTH username pass'. Needs -a.
  --pass <password>  Alias of -a for consistency with the new --user option.
  --askpass          Force user to input password with mask from STDIN.
  -u <uri>           Server URI: redis://user:password@host:port/dbnum (also --url;
                     rediss:// for TLS, redis+cluster:// for a cluster).
  -r <repeat>        Execute specified command N times (-1: forever).
  -i <interval>      When -r is used, waits <interval> seconds per command.
  -n <db>            Database number.
  -2                 Start session in RESP2 protocol mode.
  -3                 Start session in RESP3 protocol mode.
  -x                 Read last argument from STDIN.
  -c                 Enable cluster mode (follow -ASK and -MOVED redirections).
  --raw              Use raw formatting for replies (default when STDOUT is not a tty).
  --no-raw           Force formatted output even when STDOUT is not a tty.
  --json             Output in JSON format (default RESP3, use -2 for RESP2).
  --quoted-json      Same as --json, but produce ASCII-safe quoted strings.
  --no-auth-warning  Don't show warning message when using password on command line.
  --stat             Print rolling stats about server: mem, clients, ...
  --pipe             Transfer raw Redis protocol from stdin to server.
  --pipe-timeout <n> In --pipe mode, abort with error if after sending all data
                     no reply is received within <n> seconds (default: 30).
  --bigkeys          Sample Redis keys looking for keys with many elements.
  --memkeys          Sample Redis keys looking for keys consuming a lot of memory.
  --keystats         Sample keys: counts by prefix and type, TTLs, memory, biggest keys.
  --scan             List all keys using the SCAN command.
  --pattern <pat>    Keys pattern when using --scan, --bigkeys, --memkeys or --keystats.
  --count <count>    Count option when using --scan, --bigkeys, --memkeys or --keystats.
  --type <type>      The type of keys to list with --scan.
  --eval <file>      Send an EVAL command using the Lua script at <file>; the words after
                     the options are its keys, then a lone ',', then its arguments.
  --ldb              Used with --eval enable the Lua debugger (on the memory backend by
                     default; with a server, on a memory copy of the keys it touches).
  --ldb-sync-mode    Like --ldb, but the script's changes are kept (memory backend only;
                     the debugger never writes to a server).
  --version          Output version and exit.
  --help             Output this help and exit.

redipy's own options:
  --command <cmd>    Run CMD (redis-cli syntax; repeatable) and exit (was -c before 0.8).
  --backend <name>   memory or redis.
  --password-env <VAR>  Read the server password from environment variable VAR.
  --prefix <prefix>  Key prefix on the server.
  --load <snapshot>  Load a snapshot file at start.
  --save <snapshot>  Write a snapshot file at exit.
"""


class UsageError(ValueError):
    """Bad command line: the message is one line, printed with the usage hint."""


@dataclass
class Options:
    host: str | None = None
    port: int | None = None
    socket: str | None = None
    password: str | None = None
    user: str | None = None
    askpass: bool = False
    url: str | None = None
    repeat: int = 1
    interval: float = 0.0
    db: int | None = None
    resp: int = 2
    stdin_arg: bool = False
    cluster: bool = False
    mode: str | None = None
    no_auth_warning: bool = False
    stat: bool = False
    pipe: bool = False
    pipe_timeout: float = 30.0
    bigkeys: bool = False
    memkeys: bool = False
    keystats: bool = False
    scan: bool = False
    pattern: str | None = None
    count: int | None = None
    type: str | None = None
    eval: str | None = None
    ldb: bool = False
    ldb_sync: bool = False
    version: bool = False
    help: bool = False
    commands: list[str] = field(default_factory=list)
    backend: str | None = None
    password_env: str | None = None
    prefix: str = ""
    load: str | None = None
    save: str | None = None
    argv: list[str] = field(default_factory=list)
    """The trailing command to run, as words."""
    password_on_command_line: bool = False

    @property
    def remote(self) -> bool:
        return bool(self.host or self.port or self.socket or self.url or self.cluster
                    or self.password_env or self.prefix or self.backend == "redis")


def _int(flag: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise UsageError(f"{flag} needs a number, not {value!r}") from None


def _float(flag: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise UsageError(f"{flag} needs a number, not {value!r}") from None


_FLAGS = {
    "-c": "cluster", "-x": "stdin_arg", "--askpass": "askpass",
    "--no-auth-warning": "no_auth_warning", "--stat": "stat", "--pipe": "pipe",
    "--bigkeys": "bigkeys", "--memkeys": "memkeys", "--keystats": "keystats",
    "--scan": "scan", "--ldb": "ldb", "--ldb-sync-mode": "ldb_sync", "--version": "version",
    "-v": "version", "--help": "help",
}
_MODES = {"--raw": "raw", "--no-raw": "text", "--json": "json",
          "--quoted-json": "quoted-json"}
_VALUED = {"-h", "-p", "-s", "-a", "--pass", "--user", "-u", "--url", "-r", "-i", "-n",
           "--pattern", "--count", "--type", "--pipe-timeout", "--command", "--backend",
           "--password-env", "--prefix", "--load", "--save", "--host", "--port", "--eval"}


def parse(argv: Sequence[str]) -> Options:
    """The options and trailing command of ``argv`` (raises :class:`UsageError`)."""
    opts = Options()
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in _FLAGS:
            setattr(opts, _FLAGS[arg], True)
        elif arg in _MODES:
            opts.mode = _MODES[arg]
        elif arg in ("-2", "-3"):
            opts.resp = int(arg[1])
        elif arg in _VALUED:
            if i + 1 >= len(argv):
                raise UsageError(f"option {arg} needs a value")
            i += 1
            _valued(opts, arg, argv[i])
        elif arg.startswith("--") and "=" in arg and arg.split("=", 1)[0] in _VALUED:
            name, value = arg.split("=", 1)
            _valued(opts, name, value)
        elif arg.startswith("-") and len(arg) > 1 and not opts.argv:
            raise UsageError(f"Unrecognized option or bad number of args for: '{arg}'")
        else:
            opts.argv = list(argv[i:])
            break
        i += 1
    opts.ldb = opts.ldb or opts.ldb_sync
    if opts.ldb and opts.eval is None:
        raise UsageError("--ldb and --ldb-sync-mode need --eval <file>")
    return opts


def _valued(opts: Options, flag: str, value: str) -> None:
    if flag in ("-h", "--host"):
        opts.host = value
    elif flag in ("-p", "--port"):
        opts.port = _int(flag, value)
    elif flag == "-s":
        opts.socket = value
    elif flag in ("-a", "--pass"):
        opts.password = value
        opts.password_on_command_line = True
    elif flag == "--user":
        opts.user = value
    elif flag in ("-u", "--url"):
        opts.url = value
        if _url_password(value):
            opts.password_on_command_line = flag == "-u"
    elif flag == "-r":
        opts.repeat = _int(flag, value)
    elif flag == "-i":
        opts.interval = _float(flag, value)
    elif flag == "-n":
        opts.db = _int(flag, value)
    elif flag == "--pattern":
        opts.pattern = value
    elif flag == "--count":
        opts.count = _int(flag, value)
    elif flag == "--type":
        opts.type = value
    elif flag == "--eval":
        opts.eval = value
    elif flag == "--pipe-timeout":
        opts.pipe_timeout = _float(flag, value)
    elif flag == "--command":
        opts.commands.append(value)
    elif flag == "--backend":
        if value not in ("memory", "redis"):
            raise UsageError(f"--backend is memory or redis, not {value!r}")
        opts.backend = value
    elif flag == "--password-env":
        opts.password_env = value
    elif flag == "--prefix":
        opts.prefix = value
    elif flag == "--load":
        opts.load = value
    elif flag == "--save":
        opts.save = value


def _url_password(url: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).password
    except ValueError:
        return None
