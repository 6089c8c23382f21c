"""How the magics fail: one line of text, and the cell still fails.

IPython prints whatever an exception's ``_render_traceback_`` returns instead of a
traceback. The magics attach one to the error they re-raise, so a notebook shows
``(error) WRONGTYPE Operation against ...`` and nothing else, while the cell is still
marked failed and code calling ``run_cell_magic`` still gets the original exception
(a :class:`redipy.errors.WrongTypeError` stays one).
"""

from __future__ import annotations

from collections.abc import Callable

from redipy.errors import RedipyError


class MagicError(RedipyError):
    """The magic was used wrongly (bad option, unknown variable, no such script)."""


def mask(text: str) -> str:
    """``text`` with the password of any URL in it replaced by ``***``."""
    if "://" not in text:
        return text
    from redipy.redis.backend import safe_url

    out = []
    for word in text.split(" "):
        try:
            out.append(safe_url(word) if "://" in word else word)
        except ValueError:
            out.append("<URL>")
    return " ".join(out)


def error_line(err: BaseException, where: str = "",
               rename: Callable[[str], str] = str) -> str:
    """The one line shown for ``err``: Redis's own text for error replies."""
    from redipy.repl.render import error_text

    text = rename(mask(error_text(err)))
    if isinstance(err, FileNotFoundError) and err.filename:
        text = f"no such file: {err.filename}"
    elif isinstance(err, OSError) and err.filename and err.strerror:
        text = f"{err.filename}: {err.strerror}"
    return f"(error) {text}{where}"


def one_line(err: BaseException, where: str = "",
             rename: Callable[[str], str] = str) -> BaseException:
    """``err``, made to print as a single line when IPython shows it."""
    line = error_line(err, where, rename)
    render: Callable[[], list[str]] = lambda: [line]  # noqa: E731
    try:
        err._render_traceback_ = render  # type: ignore[attr-defined]
    except AttributeError:  # an exception type without __dict__: wrap it
        wrapped = MagicError(line[len("(error) "):])
        wrapped._render_traceback_ = render  # type: ignore[attr-defined]
        return wrapped
    return err


EXPECTED: tuple[type[BaseException], ...] = (RedipyError, OSError, ValueError)
"""Errors shown as one line. Anything else is a bug and keeps its traceback."""
