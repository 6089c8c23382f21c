"""Server URLs: checked, labelled and given their password without ever printing it.

A password can reach a server endpoint three ways, most specific first: an environment
variable named on the command line (``--src-password-env VAR``), the URL itself
(``redis://:pw@host``, visible in ``ps``; accepted, not recommended), or
``REDISCLI_AUTH`` as redis-cli reads it. Whatever the source, it is put into the URL
only inside this process, and every text that leaves it goes through :func:`mask_url`,
which also copes with URLs no parser accepts (``redis://:pa/ss@host`` keeps ``pa/ss``
out of the message).
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from redipy.errors import ConfigError

URL_SCHEMES = ("redis", "rediss", "unix", "redis+cluster", "rediss+cluster")
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^\s]*)@")


def is_url(text: str) -> bool:
    return "://" in text and text.split("://", 1)[0] in URL_SCHEMES


def mask_url(text: str) -> str:
    """``text`` with the password of a URL replaced by ``***`` (the user name is kept).

    The password is everything between the first ``:`` after ``://`` and the last
    ``@``, which is how redis-py splits it, even when the rest does not parse."""
    match = _USERINFO.match(text)
    if match is None:
        return text
    userinfo = match.group(2)
    if ":" not in userinfo:
        return text
    user = userinfo.split(":", 1)[0]
    return f"{match.group(1)}{user}:***@{text[match.end():]}"


def mask_words(text: str) -> str:
    """Every URL-looking word of a message masked."""
    return " ".join(mask_url(w) if "://" in w else w for w in text.split(" "))


def url_password(url: str) -> str | None:
    match = _USERINFO.match(url)
    if match is None or ":" not in match.group(2):
        return None
    return unquote(match.group(2).split(":", 1)[1]) or None


def check_url(url: str) -> None:
    """Raise :class:`ConfigError` (one line, password masked) for a URL that cannot work."""
    shown = mask_url(url)
    scheme = url.split("://", 1)[0]
    if scheme not in URL_SCHEMES:
        raise ConfigError(f"unsupported URL scheme {scheme!r} in {shown}: "
                          "use redis://, rediss://, unix:// or redis+cluster://")
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError as err:
        why = "bad IPv6 address" if "IPv6" in str(err) else "bad port or address"
        raise ConfigError(f"bad Redis URL {shown}: {why}") from None
    if scheme == "unix":
        if not parts.path:
            raise ConfigError(f"bad Redis URL {shown}: no socket path")
        return
    if not host:
        raise ConfigError(f"bad Redis URL {shown}: no host (a password containing '/', "
                          "'?' or '#' must be percent-encoded, or given with --*-password-env)")
    if port is not None and not 0 < port < 65536:
        raise ConfigError(f"bad Redis URL {shown}: port out of range")
    db = parts.path.strip("/")
    if "cluster" not in scheme and db and not db.isdigit():
        raise ConfigError(f"bad Redis URL {shown}: the database must be a number, not {db!r}")


def with_password(url: str, password: str | None) -> str:
    """``url`` carrying ``password`` (replacing any in it); unchanged when ``None``."""
    if password is None:
        return url
    scheme, rest = url.split("://", 1)
    match = _USERINFO.match(url)
    user = ""
    if match is not None:
        userinfo = match.group(2)
        user = userinfo.split(":", 1)[0] if ":" in userinfo else userinfo
        rest = url[match.end():]
    if scheme == "unix" and match is None:
        rest = rest  # unix:///path: the password goes before the path
    return f"{scheme}://{user}:{quote(password, safe='')}@{rest}"


def resolve_password(url: str, env_var: str | None) -> str | None:
    """The password to use: ``$env_var``, else the URL's own, else ``$REDISCLI_AUTH``."""
    if env_var:
        value = os.environ.get(env_var)
        if value is None:
            raise ConfigError(f"environment variable {env_var} is not set")
        return value
    if url_password(url) is not None:
        return None  # the URL already carries it
    return os.environ.get("REDISCLI_AUTH") or None


def open_client(url: str, *, password_env: str | None = None) -> Any:
    """A ``redipy.Redis`` for a server URL (checked, not yet connected)."""
    import redipy

    check_url(url)
    full = with_password(url, resolve_password(url, password_env))
    try:
        client = redipy.Redis(url=full)
    except ConfigError as err:
        raise ConfigError(mask_words(str(err))) from None
    except ValueError:
        raise ConfigError(f"bad Redis URL {mask_url(url)}") from None
    return client


def label_of_url(url: str) -> str:
    """``host:port/db`` (or ``unix:/path/db``) for a URL, never with a password."""
    try:
        parts = urlsplit(url)
        if parts.scheme == "unix":
            return f"unix:{parts.path}/{_query_db(parts.query)}"
        host = parts.hostname or "localhost"
        if ":" in host:
            host = f"[{host}]"
        db = parts.path.strip("/") or _query_db(parts.query)
        if "cluster" in parts.scheme:
            return f"cluster {host}:{parts.port or 6379}"
        return f"{host}:{parts.port or 6379}/{db}"
    except ValueError:
        return mask_url(url)


def _query_db(query: str) -> str:
    for item in query.split("&"):
        if item.startswith("db="):
            return item[3:] or "0"
    return "0"
