"""Commands out of a byte stream, as a server reads them: RESP arrays of bulk strings
or inline lines (``SET a 1``), mixed freely; used by ``--pipe`` on the memory backend."""

from __future__ import annotations

from collections.abc import Iterator

from redipy.repl.parse import ArgsError, split_args

from redipy.errors import ResponseError


def commands_of(data: bytes) -> Iterator[list[str]]:
    """Each command of ``data`` as words (the shell's text view)."""
    pos = 0
    end = len(data)
    while pos < end:
        if data[pos:pos + 1] == b"*":
            line_end = data.index(b"\r\n", pos)
            count = int(data[pos + 1:line_end])
            pos = line_end + 2
            argv: list[str] = []
            for _ in range(count):
                if data[pos:pos + 1] != b"$":
                    raise ResponseError("ERR Protocol error: expected '$'")
                line_end = data.index(b"\r\n", pos)
                size = int(data[pos + 1:line_end])
                start = line_end + 2
                argv.append(data[start:start + size].decode("utf-8", "surrogateescape"))
                pos = start + size + 2
            if argv:
                yield argv
        else:
            line_end = data.find(b"\n", pos)
            if line_end < 0:
                line_end = end
            line = data[pos:line_end].rstrip(b"\r").decode("utf-8", "surrogateescape")
            pos = line_end + 1
            try:
                words = split_args(line)
            except ArgsError:
                raise ResponseError("ERR Protocol error: unbalanced quotes in request") \
                    from None
            if words:
                yield words
