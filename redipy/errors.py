"""One error hierarchy for every backend.

Both backends raise the same class with the same message for the same mistake, so
code (and tests) can catch a ``WrongTypeError`` without knowing where the data lives.
A :class:`ResponseError`'s message is the error reply exactly as a Redis server
writes it (``"WRONGTYPE Operation against ..."``).
"""

from __future__ import annotations


class RedipyError(Exception):
    """Base class of every error redipy raises on purpose."""


class ResponseError(RedipyError):
    """An error reply, worded as Redis words it."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    @property
    def prefix(self) -> str:
        """The error code Redis puts first (``ERR``, ``WRONGTYPE``, ...)."""
        return self.message.split(" ", 1)[0]


class WrongTypeError(ResponseError, TypeError):
    """The key holds a value of another type than the command works on.

    Also a ``TypeError``, which is what redipy 0.7.1 raised for this mistake.
    """


class NoScriptError(ResponseError):
    """EVALSHA named a script the server does not have."""


class ExecAbortError(ResponseError):
    """EXEC refused to run a transaction that had a queue-time error."""


class BusyError(ResponseError):
    """The server is busy running a script."""


class ConnectionError(RedipyError):
    """The server could not be reached, or dropped the connection."""


class TimeoutError(ConnectionError):
    """The server did not answer in time."""


class AuthenticationError(ConnectionError):
    """The server refused the credentials."""


class DataError(RedipyError, TypeError):
    """A value that cannot be a command argument (``None``, a bool, an object, ...);
    both backends refuse it before anything is sent or stored. Also a ``TypeError``."""


def invalid_input(value: object) -> DataError:
    """The one error for an argument that is not text, bytes or a number."""
    return DataError(f"Invalid input of type: '{type(value).__name__}'. "
                     "Convert to a bytes, string, int or float first.")


class ConfigError(RedipyError, ValueError):
    """A backend was configured with values that cannot work (bad URL, bad option)."""


class ScriptError(RedipyError):
    """A redipy script failed while running or could not be built."""


class ScriptBuildError(ScriptError):
    """A script was built wrongly (undeclared key, wrong arity, ...)."""


class PipelineError(RedipyError):
    """A pipeline was used wrongly (e.g. left without ``execute()``)."""


class WatchError(RedipyError):
    """A watched key changed before EXEC, so the transaction did not run."""


_PREFIX_CLASSES: dict[str, type[ResponseError]] = {
    "WRONGTYPE": WrongTypeError,
    "NOSCRIPT": NoScriptError,
    "EXECABORT": ExecAbortError,
    "BUSY": BusyError,
}


def response_error(message: str) -> ResponseError:
    """The right :class:`ResponseError` subclass for an error reply's text."""
    cls = _PREFIX_CLASSES.get(message.split(" ", 1)[0], ResponseError)
    return cls(message)
