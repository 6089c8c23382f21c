"""Command table: the connection and server commands a client session answers.

These are per-connection (SELECT, HELLO, AUTH, CLIENT, QUIT, RESET, MONITOR) or
server-wide (INFO, CONFIG, COMMAND, SAVE, ...). A :class:`redipy.memory.client.ClientSession`
(``redipy serve`` and the redis-py drop-in) serves them; the memory backend's own
``execute()`` path serves the server-wide ones and refuses the per-connection ones.
"""

from __future__ import annotations

from redipy.commands.spec import CommandSpec

_CONN = frozenset({"noscript", "loading", "stale", "fast"})
_ADMIN = frozenset({"admin", "noscript", "loading", "stale"})

COMMANDS: tuple[CommandSpec, ...] = (
    # ---- connection -----------------------------------------------------------------------
    CommandSpec(
        "SELECT", "connection", 2,
        "Switch this connection to another numbered database (0 by default).",
        "O(1)",
        "SELECT index", since="1.0.0", flags=_CONN, status_reply=True),
    CommandSpec(
        "HELLO", "connection", -1,
        "Choose the protocol (RESP2 or RESP3), optionally authenticating and naming the "
        "connection; replies with facts about the server.",
        "O(1)",
        "HELLO [protover [AUTH username password] [SETNAME clientname]]", since="6.0.0",
        flags=frozenset({"noscript", "loading", "stale", "fast", "no_auth"})),
    CommandSpec(
        "AUTH", "connection", -2,
        "Authenticate this connection with the server's password (user 'default').",
        "O(N) where N is the number of passwords defined for the user.",
        "AUTH [username] password", since="1.0.0", status_reply=True,
        flags=frozenset({"noscript", "loading", "stale", "fast", "no_auth"})),
    CommandSpec(
        "CLIENT", "connection", -2,
        "Inspect and manage connections: ID, SETNAME/GETNAME, LIST, INFO, KILL, REPLY, "
        "NO-EVICT, NO-TOUCH, SETINFO.",
        "O(1) for most subcommands; O(N) for LIST and KILL, N the number of clients.",
        "CLIENT subcommand [argument ...]", since="2.4.0", flags=frozenset({"noscript"})),
    CommandSpec(
        "QUIT", "connection", -1,
        "Ask the server to close this connection once it has answered OK.",
        "O(1)",
        "QUIT", since="1.0.0", status_reply=True,
        flags=frozenset({"noscript", "loading", "stale", "fast", "no_auth"})),
    CommandSpec(
        "RESET", "connection", 1,
        "Return the connection to its initial state: leave MULTI, forget WATCHes, "
        "unsubscribe, RESP2, database 0, no name, not authenticated.",
        "O(1)",
        "RESET", since="6.2.0", status_reply=True,
        flags=frozenset({"noscript", "loading", "stale", "fast", "no_auth"})),
    CommandSpec(
        "MONITOR", "server", 1,
        "Stream every command the server runs to this connection, for debugging.",
        "O(1)",
        "MONITOR", since="1.0.0", status_reply=True, flags=_ADMIN),
    # ---- server ---------------------------------------------------------------------------
    CommandSpec(
        "INFO", "server", -1,
        "Facts and counters about the server, by section (server, clients, memory, "
        "stats, keyspace, commandstats).",
        "O(1)",
        "INFO [section [section ...]]", since="1.0.0",
        flags=frozenset({"loading", "stale"})),
    CommandSpec(
        "CONFIG", "server", -2,
        "Read (GET pattern ...) or change (SET name value ...) the server's parameters, "
        "or reset its counters (RESETSTAT).",
        "O(N) where N is the number of parameters read or written.",
        "CONFIG subcommand [argument ...]", since="2.0.0", flags=_ADMIN),
    CommandSpec(
        "COMMAND", "server", -1,
        "Describe the commands this server knows: all of them, COUNT, INFO name ..., "
        "DOCS name ..., LIST.",
        "O(N) where N is the number of commands described.",
        "COMMAND [subcommand [argument ...]]", since="2.8.13",
        flags=frozenset({"loading", "stale"})),
    CommandSpec(
        "SAVE", "server", 1,
        "Write the data to the snapshot file now, waiting until it is done.",
        "O(N) where N is the number of keys.",
        "SAVE", since="1.0.0", status_reply=True,
        flags=frozenset({"admin", "noscript", "no_async_loading", "no_multi"})),
    CommandSpec(
        "BGSAVE", "server", -1,
        "Write the data to the snapshot file (here in the foreground, as SAVE does).",
        "O(N) where N is the number of keys.",
        "BGSAVE [SCHEDULE | CANCEL]", since="1.0.0", status_reply=True,
        flags=frozenset({"admin", "noscript", "no_async_loading"})),
    CommandSpec(
        "LASTSAVE", "server", 1,
        "The Unix time of the last successful snapshot save.",
        "O(1)",
        "LASTSAVE", since="1.0.0", flags=frozenset({"loading", "stale", "fast"})),
    CommandSpec(
        "SHUTDOWN", "server", -1,
        "Stop the server, saving the snapshot first when one is configured (SAVE forces, "
        "NOSAVE skips it).",
        "O(N) when saving, N the number of keys; O(1) otherwise.",
        "SHUTDOWN [[NOSAVE | SAVE] [NOW] [FORCE] [SAFE] [FAILOVER] | ABORT]", since="1.0.0",
        flags=frozenset({"admin", "noscript", "loading", "stale", "no_multi",
                         "allow_busy"})),
    CommandSpec(
        "ACL", "server", -2,
        "Access-control lists; here WHOAMI (the only user is 'default').",
        "O(1)",
        "ACL subcommand [argument ...]", since="6.0.0",
        flags=frozenset({"noscript", "loading", "stale"})),
)
