"""The Redis backend: the same argument lists, sent to a real server by redis-py.

Replies come back raw (redis-py's per-command reply callbacks are switched off),
so the API layer converts them exactly as it converts the memory backend's.
A key prefix, when configured, is put in front of every key the command table
says is a key, and taken off keys the server sends back.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import redis
import redis.exceptions as rex

from redipy import commands
from redipy.commands.blocking import BLOCKING_NAMES
from redipy.commands.custom import REDIS_FORMS, REGISTERED, FunctionCommand, redis_argv
from redipy.commands.pubsub import CHANNEL_COMMANDS
from redipy.errors import (
    AuthenticationError,
    ConfigError,
    ConnectionError,
    ExecAbortError,
    ResponseError,
    TimeoutError,
    invalid_input,
    response_error,
)
from redipy.patterns import escape_glob
from redipy.reply import Status

_SCHEMES = ("redis", "rediss", "unix")


def safe_url(url: str) -> str:
    """The URL with any password replaced by ``***``, fit to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return parts._replace(netloc=f"{user}:***@{netloc}").geturl()


def effective_prefix(prefix: str, module: str = "") -> str:
    """0.7.1's key namespace: ``prefix`` + ``module`` with exactly one ``:`` after it."""
    joined = f"{prefix}{module}".rstrip(":")
    return f"{joined}:" if joined else ""


def checked(args: Sequence[Any]) -> Sequence[Any]:
    """``args`` when each is text, bytes or a number; else the same
    :class:`redipy.errors.DataError` the memory backend raises, before anything is sent."""
    for arg in args:
        kind = type(arg)
        if kind is str or kind is int or kind is bytes or kind is float:
            continue
        if isinstance(arg, bool) or not isinstance(
                arg, str | int | float | bytes | bytearray | memoryview):
            raise invalid_input(arg)
    return args


def wire(args: Sequence[Any]) -> list[Any]:
    """Arguments with every str as UTF-8 bytes, lone surrogates included: a value read
    with ``surrogateescape`` (bytes that are not UTF-8) goes back as the same bytes.
    Only used after the fast path failed: hiredis's packer encodes str strictly."""
    return [a.encode("utf-8", "surrogateescape") if isinstance(a, str) else a for a in args]


def pack(conn: Any, argvs: Sequence[Sequence[Any]]) -> Any:
    """``conn.pack_commands(argvs)``, retried through :func:`wire` for non-UTF-8 text."""
    try:
        return conn.pack_commands(argvs)
    except UnicodeEncodeError:
        return conn.pack_commands([wire(argv) for argv in argvs])


def exchange(conn: Any, argvs: Sequence[Sequence[str]], *, block: bool = False) -> list[Any]:
    """Send commands in one write, read one reply each (error replies in place); a
    blocking command's reply is awaited without a socket timeout."""
    conn.send_packed_command(pack(conn, argvs))
    out: list[Any] = []
    for _ in argvs:
        try:
            out.append(conn.read_response(timeout=None) if block else conn.read_response())
        except rex.ResponseError as err:
            out.append(err)
    return out


def _status_reply(name: str, args: Sequence[str]) -> bool:
    spec = commands.COMMANDS.get(name)
    if spec is None or not spec.status_reply:
        return False
    if name == "SET":
        return not any(arg.upper() == "GET" for arg in args[2:])
    if name == "PING":
        return not args
    return True


def as_status(name: str, args: Sequence[str], reply: Any) -> Any:
    """A plain string reply of a command that answers with a status (``+OK``) as a
    :class:`Status`, as the memory backend gives it; any other reply unchanged."""
    if type(reply) is str and _status_reply(name, args):
        return Status(reply)
    return reply


class RedisBackend:
    """A connection to one Redis or Valkey server (:class:`redipy.redis.cluster.ClusterBackend`
    is the cluster variant; :mod:`redipy.redis.connect` picks it for ``cluster: True`` or
    a ``redis+cluster://`` URL)."""

    cluster = False

    kind = "redis"

    def __init__(self, client: Any, *, prefix: str = "", target: str | None = None) -> None:
        pool = client.connection_pool
        kwargs = dict(pool.connection_kwargs)
        if (not kwargs.get("decode_responses")
                or kwargs.get("encoding_errors") != "surrogateescape"
                or kwargs.get("protocol") not in (None, 2, "2")):
            # Raw RESP2 replies, decoded: the shape the memory backend answers in.
            kwargs.update(decode_responses=True, encoding_errors="surrogateescape", protocol=2)
            for name in list(kwargs):  # RESP3-only extras of redis-py 8 pools
                if name.startswith(("maint_notifications", "orig_")):
                    del kwargs[name]
            client = redis.Redis(connection_pool=redis.ConnectionPool(
                connection_class=pool.connection_class, **kwargs))
        else:
            client = redis.Redis(connection_pool=pool)
        client.response_callbacks = {}
        self.conn = client
        self.prefix = prefix
        self._target = target or self._describe(kwargs)
        self._plen = len(prefix)
        self._tls = threading.local()  # per thread: a raw MULTI's queued commands
        self._libraries: set[str] = set()  # FUNCTION libraries of registered commands

    # ---- construction ----------------------------------------------------------

    @staticmethod
    def _describe(kwargs: dict[str, Any]) -> str:
        if kwargs.get("path"):
            return f"unix:{kwargs['path']}"
        return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"

    @classmethod
    def from_cfg(cls, cfg: dict[str, Any]) -> RedisBackend:
        """0.7.1's cfg (host, port, passwd, prefix; ``path`` is accepted and ignored,
        as it was), plus url, db, username, ssl and unix_socket_path."""
        url = cfg.get("url")
        prefix = effective_prefix(str(cfg.get("prefix") or ""), str(cfg.get("redis_module") or ""))
        if url:
            return cls.from_url(str(url), prefix=prefix)
        passwd = cfg.get("passwd") or cfg.get("password") or None
        common = {
            "password": passwd,
            "username": cfg.get("username") or None,
            "db": int(cfg.get("db", 0)),
            "decode_responses": True,
            "encoding_errors": "surrogateescape",
            "protocol": 2,
            "socket_connect_timeout": cfg.get("connect_timeout", 5.0),
            "socket_timeout": cfg.get("socket_timeout"),  # see from_url
        }
        if cfg.get("unix_socket_path"):
            client = redis.Redis(unix_socket_path=str(cfg["unix_socket_path"]), **common)
        else:
            client = redis.Redis(
                host=str(cfg.get("host") or "localhost"),
                port=int(cfg.get("port") or 6379),
                ssl=bool(cfg.get("ssl", False)),
                **common,
            )
        return cls(client, prefix=prefix)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "", db: int | None = None) -> RedisBackend:
        """``db`` (``redipy.Redis(db=N)``) wins over a ``/N`` in the URL."""
        scheme = urlsplit(url).scheme
        if scheme not in _SCHEMES:
            raise ConfigError(
                f"unsupported URL scheme {scheme!r} in {safe_url(url)}: "
                "use redis://, rediss://, unix:// or redis+cluster://")
        try:
            client = redis.Redis.from_url(
                url, decode_responses=True, encoding_errors="surrogateescape",
                socket_connect_timeout=5.0, protocol=2,
                # redis-py 8 waits 5 s for a reply, then raises: a long script or a big
                # read died while the server went on; no bound unless the URL sets one
                # (?socket_timeout=N) or cfg does, as redis-py before 8 had it
                socket_timeout=None)
            if db is not None:  # the URL's path would override a keyword
                client.connection_pool.connection_kwargs["db"] = db
        except ValueError as err:
            raise ConfigError(f"bad Redis URL {safe_url(url)}: {err}") from None
        return cls(client, prefix=prefix)

    @property
    def target(self) -> str:
        return self._target

    # ---- running commands --------------------------------------------------------

    def _keyed(self, name: str, args: Sequence[str]) -> Sequence[str]:
        spec = commands.COMMANDS.get(name)
        if spec is None or not spec.keys:
            return _prefix_channels(self.prefix, name, args) if name in CHANNEL_COMMANDS else args
        argv = [name, *args]
        prefix = self.prefix
        for pos in spec.key_positions(argv):
            argv[pos] = prefix + argv[pos]
        return argv[1:]

    def strip_key(self, key: str) -> str:
        plen = self._plen
        return key[plen:] if plen and key.startswith(self.prefix) else key

    def _fail(self, err: Exception) -> Exception:
        if isinstance(err, rex.ResponseError):
            # redis-py 8 moves the error code (ERR, WRONGTYPE, ...) out of the text.
            msg, code = str(err), getattr(err, "status_code", None)
            if code and not msg.startswith(code):
                msg = f"{code} {msg}"
            if self._plen and "'" + self.prefix in msg:  # NOGROUP names the key it read
                msg = msg.replace("'" + self.prefix, "'")
            return response_error(msg)
        if isinstance(err, rex.AuthenticationError):
            return AuthenticationError(f"authentication to {self._target} failed: {err}")
        if isinstance(err, rex.TimeoutError):
            return TimeoutError(f"timed out talking to {self._target}")
        if isinstance(err, rex.ConnectionError):
            why = str(err).split(". ")[-1].rstrip(".") or "connection failed"
            return ConnectionError(f"cannot reach Redis at {self._target}: {why}")
        return err

    def run(self, name: str, args: Sequence[str]) -> Any:
        if name in REGISTERED:
            return self._run_registered(name, args)
        checked(args)
        if self._plen:
            args = self._keyed(name, args)
        if name in BLOCKING_NAMES:
            return self._run_blocking(name, args)
        try:
            try:
                reply = self.conn.execute_command(name, *args)
            except UnicodeEncodeError:  # raised while packing, before anything is sent
                reply = self.conn.execute_command(name, *wire(args))
        except rex.RedisError as err:
            raise self._fail(err) from None
        return as_status(name, args, reply)

    # ---- registered commands (redipy.custom): their Redis forms ----------------------

    def registered_argv(self, name: str, args: Sequence[str]) -> tuple[str, list[str]]:
        """The EVAL / FCALL a server runs for the registered command ``name`` (arity
        checked as the memory backend checks it; a FUNCTION library loaded first)."""
        cmd, argv = redis_argv(commands.COMMANDS[name], args)
        form = REDIS_FORMS[name]
        if isinstance(form, FunctionCommand) and form.library not in self._libraries:
            self._load_library(form)
        return cmd, argv

    def _load_library(self, form: FunctionCommand) -> None:
        """FUNCTION LOAD REPLACE: the registered code is what the name runs."""
        self.run("FUNCTION", ["LOAD", "REPLACE", form.library])
        self._libraries.add(form.library)

    def _run_registered(self, name: str, args: Sequence[str]) -> Any:
        cmd, argv = self.registered_argv(name, args)
        try:
            return self.run(cmd, argv)
        except ResponseError as err:
            form = REDIS_FORMS.get(name)
            if not isinstance(form, FunctionCommand) or "Function not found" not in str(err):
                raise
            self._load_library(form)  # the server lost it (FUNCTION FLUSH, a restart)
            return self.run(cmd, argv)

    def registered_batch(self, calls: Sequence[tuple[str, Sequence[str]]],
                         transaction: bool) -> list[Any]:
        """A batch with registered commands in it, sent in their Redis forms; one whose
        arity is wrong answers its error in place, or aborts a transaction (EXECABORT),
        as on the memory backend."""
        sent: list[tuple[str, Sequence[str]]] = []
        errors: dict[int, Exception] = {}
        for idx, (name, args) in enumerate(calls):
            if name in REGISTERED:
                try:
                    name, args = self.registered_argv(name, args)
                except ResponseError as err:
                    if transaction:
                        raise ExecAbortError(EXECABORT) from err
                    errors[idx] = err
                    continue
            sent.append((name, args))
        replies = iter(self.run_batch(sent, transaction=transaction) if sent else ())
        return [errors[idx] if idx in errors else next(replies) for idx in range(len(calls))]

    def execute(self, *argv: str) -> Any:
        """Run a command as a client typed it (the shell's path).

        Under a key prefix, KEYS and SCAN see only the prefix's namespace, as the typed
        API does. A raw MULTI remembers what it queued, so EXEC's nested ``+OK`` replies
        come back as :class:`Status`, as the memory backend and redis-cli show them."""
        if not argv:
            raise ResponseError("ERR empty command")
        name = argv[0].upper()
        args = argv[1:]
        if self._plen and name in ("KEYS", "SCAN"):
            return self._namespaced(name, list(args))
        queued: list[tuple[str, Sequence[str]]] | None = getattr(self._tls, "queued", None)
        if name == "EXEC":  # errors nested in the reply become redipy errors too
            self._tls.queued = None
            reply = self.run(name, args)
            if type(reply) is list:
                names = queued if queued is not None and len(queued) == len(reply) else None
                reply = [self._fail(r) if isinstance(r, rex.RedisError)
                         else Status(r) if (type(r) is str and names is not None
                                            and _status_reply(*names[i]))
                         else r for i, r in enumerate(reply)]
            return reply
        reply = self.run(name, args) if name in commands.COMMANDS else self._raw(argv)
        if name == "MULTI":
            self._tls.queued = []
        elif name == "DISCARD":
            self._tls.queued = None
        elif queued is not None and reply == "QUEUED":
            queued.append((name, args))
            return Status(reply)
        return reply

    def _namespaced(self, name: str, args: list[str]) -> Any:
        """KEYS / SCAN as typed, limited to the key prefix and with it stripped."""
        glob = escape_glob(self.prefix)
        if name == "KEYS":
            if len(args) != 1:
                return self.run(name, args)  # the server's own arity error
            return [self.strip_key(key) for key in self.run(name, [glob + args[0]])]
        if not args or len(args) % 2 == 0:
            return self.run(name, args)  # malformed: the server's own error
        matched = False
        for pos in range(1, len(args), 2):
            if args[pos].upper() == "MATCH":
                args[pos + 1] = glob + args[pos + 1]
                matched = True
        if not matched:
            args += ["MATCH", glob + "*"]
        reply = self.run(name, args)
        return [reply[0], [self.strip_key(key) for key in reply[1]]]

    def _raw(self, argv: Sequence[str]) -> Any:
        checked(argv)
        try:
            try:
                return self.conn.execute_command(*argv)
            except UnicodeEncodeError:
                return self.conn.execute_command(*wire(argv))
        except rex.RedisError as err:
            raise self._fail(err) from None

    def _run_blocking(self, name: str, args: Sequence[str]) -> Any:
        """A blocking command on a pooled connection read without a socket timeout
        (redis-py 8 defaults to 5 s), so the server's own timeout decides."""
        pool = self.conn.connection_pool
        try:
            conn = pool.get_connection()  # connects: a dead server raises here
        except rex.RedisError as err:
            raise self._fail(err) from None
        try:
            conn.send_packed_command(pack(conn, [(name, *args)]))
            return conn.read_response(timeout=None)
        except rex.RedisError as err:
            raise self._fail(err) from None
        except BaseException:
            conn.disconnect()  # interrupted mid-reply: never hand a desynced socket back
            raise
        finally:
            pool.release(conn)

    def session(self) -> RedisSession:
        """A dedicated connection for WATCH / MULTI / EXEC (pipelines take one)."""
        return RedisSession(self)

    def pubsub(self, *, ignore_subscribe_messages: bool = False) -> Any:
        """A subscriber connection (redis-py's PubSub behind redipy's listener)."""
        from redipy.redis.pubsub import RedisPubSub

        return RedisPubSub(self.conn.pubsub(), self.prefix, fail=self._fail,
                           ignore_subscribe_messages=ignore_subscribe_messages)

    def run_batch(self, calls: Sequence[tuple[str, Sequence[str]]],
                  *, transaction: bool = False) -> list[Any]:
        if REGISTERED and any(name in REGISTERED for name, _ in calls):
            return self.registered_batch(calls, transaction)
        if transaction or any(name in BLOCKING_NAMES for name, _ in calls):
            sess = RedisSession(self)
            try:
                if transaction:
                    replies = sess.exec(calls)
                    assert replies is not None  # nothing watched
                    return replies
                return sess.pipeline(calls)
            finally:
                sess.close()
        try:
            try:
                replies = self._pipe(calls, str).execute(raise_on_error=False)
            except UnicodeEncodeError:  # packing fails before anything is sent
                replies = self._pipe(calls, wire).execute(raise_on_error=False)
        except rex.RedisError as err:
            raise self._fail(err) from None
        return [self.reply_of(n, a, r) for (n, a), r in zip(calls, replies)]

    def reply_of(self, name: str, args: Sequence[str], reply: Any) -> Any:
        """One reply of a batch: an error as the redipy error (returned, to stand in
        its place), a status as :class:`Status`."""
        if isinstance(reply, rex.RedisError):
            return self._fail(reply)
        return as_status(name, args, reply)

    def exec_result(self, calls: Sequence[tuple[str, Sequence[str]]], first: Any,
                    queued: Sequence[Any], result: Any) -> list[Any] | None:
        """What MULTI (``first``), the queued calls and EXEC (``result``) answered, as
        a transaction's result: ``None`` when a watched key changed; ExecAbortError
        (caused by the first queueing error) when a call failed at queue time."""
        if isinstance(first, rex.RedisError):
            raise self._fail(first)
        if isinstance(result, rex.RedisError):
            failed = self._fail(result)
            if isinstance(failed, ExecAbortError):
                cause = next((r for r in queued if isinstance(r, rex.RedisError)), None)
                abort = ExecAbortError(EXECABORT)
                if cause is not None:
                    raise abort from self._fail(cause)
                raise abort
            raise failed
        if result is None:
            return None
        return [self.reply_of(n, a, r) for (n, a), r in zip(calls, result)]

    def _pipe(self, calls: Sequence[tuple[str, Sequence[str]]], how: Any) -> Any:
        pipe = self.conn.pipeline(transaction=False)
        for name, args in calls:
            checked(args)
            args = self._keyed(name, args) if self._plen else args
            pipe.execute_command(name, *(args if how is str else how(args)))
        return pipe

    def close(self) -> None:
        self.conn.close()


def _prefix_channels(prefix: str, name: str, args: Sequence[str]) -> Sequence[str]:
    """Channels live in the key prefix's namespace too (PUBLISH, PUBSUB CHANNELS/NUMSUB)."""
    if name == "PUBLISH":
        return [prefix + args[0], *args[1:]] if args else args
    if not args:
        return args
    sub = args[0].upper()
    if sub == "CHANNELS":
        pattern = args[1] if len(args) > 1 else "*"
        return [args[0], escape_glob(prefix) + pattern, *args[2:]]
    if sub == "NUMSUB":
        return [args[0], *(prefix + ch for ch in args[1:])]
    return args


EXECABORT = "EXECABORT Transaction discarded because of previous errors."


class RedisSession:
    """One pooled connection held for WATCH ... MULTI ... EXEC (a redis-py-free
    MULTI/EXEC, so queue-time errors give EXECABORT and runtime errors stay in place).

    Every command is sent with the backend's key prefix; replies come back raw, with
    errors mapped to :mod:`redipy.errors`. ``close()`` UNWATCHes and gives the
    connection back.
    """

    def __init__(self, backend: RedisBackend) -> None:
        self._backend = backend
        self._conn: Any = None
        self.watching = False

    def _argv(self, name: str, args: Sequence[str]) -> tuple[str, ...]:
        backend = self._backend
        if name in REGISTERED:
            name, args = backend.registered_argv(name, args)
        checked(args)
        return (name, *(backend._keyed(name, args) if backend._plen else args))

    def _exchange(self, argvs: Sequence[Sequence[str]], *, block: bool = False) -> list[Any]:
        try:
            if self._conn is None:
                self._conn = self._backend.conn.connection_pool.get_connection()
            return exchange(self._conn, argvs, block=block)
        except rex.RedisError as err:
            self._drop()
            raise self._backend._fail(err) from None
        except BaseException:
            self._drop()
            raise

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        self.watching = False
        if conn is not None:
            conn.disconnect()
            self._backend.conn.connection_pool.release(conn)

    def run(self, name: str, args: Sequence[str]) -> Any:
        """One command now, on this connection (what a watching pipeline does)."""
        reply = self._backend.reply_of(name, args, self._exchange(
            [self._argv(name, args)], block=name in BLOCKING_NAMES)[0])
        if isinstance(reply, Exception):
            raise reply
        return reply

    def pipeline(self, calls: Sequence[tuple[str, Sequence[str]]]) -> list[Any]:
        """Calls in one round trip, not atomic; blocking ones may wait."""
        replies = self._exchange([self._argv(n, a) for n, a in calls], block=True)
        return [self._backend.reply_of(n, a, r) for (n, a), r in zip(calls, replies)]

    def watch(self, keys: Sequence[str]) -> None:
        reply = self._exchange([self._argv("WATCH", keys)])[0]
        if isinstance(reply, rex.RedisError):
            raise self._backend._fail(reply)
        self.watching = True

    def unwatch(self) -> None:
        if self.watching and self._conn is not None:
            self._exchange([("UNWATCH",)])
        self.watching = False

    def exec(self, calls: Sequence[tuple[str, Sequence[str]]]) -> list[Any] | None:
        """MULTI, the calls, EXEC in one round trip. ``None`` when a watched key
        changed; raises ExecAbortError when a call failed at queue time."""
        try:
            argvs = [("MULTI",), *(self._argv(n, a) for n, a in calls), ("EXEC",)]
        except ResponseError as err:  # a registered command's arity: a queue-time error
            raise ExecAbortError(EXECABORT) from err
        replies = self._exchange(argvs)
        self.watching = False  # EXEC forgets the watched keys, whatever it answers
        return self._backend.exec_result(calls, replies[0], replies[1:-1], replies[-1])

    def close(self) -> None:
        """UNWATCH if needed and give the connection back to the pool."""
        conn = self._conn
        if conn is None:
            return
        try:
            self.unwatch()
        finally:
            if self._conn is not None:
                self._conn = None
                self._backend.conn.connection_pool.release(conn)
