"""Commands of the tests' own (redipy.custom), with Redis forms that answer alike.

``register_all()`` adds them, ``unregister_all()`` takes them out again (the tables are
process-wide, and the table tests compare the built-ins with the servers');
``redipy serve --loadmodule tests.custom_cmds:register_all`` loads them into a server.

- ``INCRCAP key increment cap [WRAP]``: add to a counter, never past ``cap`` (or, with
  WRAP, start again from 0 past it); Redis form: a Lua script.
- ``SUMKEYS key [key ...]``: the sum of integer string values (missing keys count 0);
  Redis form: a function of a FUNCTION library.
- ``LOCALONLY key``: a memory-only command (no Redis form).
- ``NOSCRIPTCMD``: flagged noscript, so scripts may not call it.
"""

from __future__ import annotations

from collections.abc import Sequence

from redipy.custom import (
    FunctionCommand,
    KeyRange,
    LuaCommand,
    register_command,
    string_value,
    unregister_command,
)
from redipy.errors import ResponseError
from redipy.memory.db import Database
from redipy.memory.numbers import NOT_INT, parse_int

NAMES = ("INCRCAP", "SUMKEYS", "LOCALONLY", "NOSCRIPTCMD")


def incrcap(db: Database, args: Sequence[str]) -> int:
    if len(args) > 4 or (len(args) == 4 and args[3].upper() != "WRAP"):
        raise ResponseError("ERR syntax error")
    by, cap = parse_int(args[1]), parse_int(args[2])
    if by is None or cap is None:
        raise ResponseError(NOT_INT)
    current = string_value(db, args[0])
    value = parse_int(current) if current is not None else 0
    if value is None:
        raise ResponseError(NOT_INT)
    total = value + by
    if total > cap:
        total = total % (cap + 1) if len(args) == 4 else cap
    db.put(args[0], str(total), keep_ttl=True)
    return total


INCRCAP_LUA = """\
if #ARGV > 3 or (#ARGV == 3 and string.upper(ARGV[3]) ~= 'WRAP') then
  return redis.error_reply('ERR syntax error')
end
local function int(s)
  if s == nil or not string.match(s, '^-?%d+$') then return nil end
  return tonumber(s)
end
local by, cap = int(ARGV[1]), int(ARGV[2])
if by == nil or cap == nil then
  return redis.error_reply('ERR value is not an integer or out of range')
end
local got = redis.pcall('GET', KEYS[1])
if type(got) == 'table' and got.err then return got end
local value = 0
if got then value = int(got) end
if value == nil then
  return redis.error_reply('ERR value is not an integer or out of range')
end
local total = value + by
if total > cap then
  if #ARGV == 3 then total = total % (cap + 1) else total = cap end
end
redis.call('SET', KEYS[1], total, 'KEEPTTL')
return total
"""


def sumkeys(db: Database, args: Sequence[str]) -> int:
    total = 0
    for key in args:
        current = string_value(db, key)
        value = parse_int(current) if current is not None else 0
        if value is None:
            raise ResponseError(NOT_INT)
        total += value
    return total


SUMKEYS_LIBRARY = """\
#!lua name=redipytests
local function sumkeys(keys, args)
  local total = 0
  for i = 1, #keys do
    local got = redis.pcall('GET', keys[i])
    if type(got) == 'table' and got.err then return got end
    if got then
      if not string.match(got, '^-?%d+$') then
        return redis.error_reply('ERR value is not an integer or out of range')
      end
      total = total + tonumber(got)
    end
  end
  return total
end
redis.register_function{function_name = 'sumkeys', callback = sumkeys,
                        flags = {'no-writes'}}
"""


def localonly(db: Database, args: Sequence[str]) -> str | None:
    return string_value(db, args[0])


def noscript(db: Database, args: Sequence[str]) -> int:
    return 42


def register(name: str) -> None:
    """Register one of :data:`NAMES`."""
    if name == "INCRCAP":
        register_command(
            "incrcap", incrcap, arity=-4, keys=KeyRange(1), flags=["write", "denyoom"],
            summary="Add to a counter, never past a cap.", complexity="O(1)",
            syntax="INCRCAP key increment cap [WRAP]", module="testmods",
            redis=LuaCommand(INCRCAP_LUA))
    elif name == "SUMKEYS":
        register_command(
            "sumkeys", sumkeys, arity=-2, keys=KeyRange(1, -1), flags="readonly fast",
            summary="The sum of integer values.", module="testmods",
            redis=FunctionCommand(SUMKEYS_LIBRARY, "sumkeys"))
    elif name == "LOCALONLY":
        register_command("localonly", localonly, arity=2, keys=KeyRange(1),
                         flags=["readonly"], module="testmods")
    else:
        register_command("noscriptcmd", noscript, arity=-1, flags=["noscript"],
                         module="testmods")


def register_all() -> None:
    for name in NAMES:
        register(name)


def unregister_all() -> None:
    for name in NAMES:
        unregister_command(name)
