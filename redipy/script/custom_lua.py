"""Registered commands inside a builder script's Lua (the Redis backend's side).

A server knows nothing of a command registered with :func:`redipy.custom.register_command`,
and FCALL cannot be called from a script, so a script that calls one gets, ahead of its
helpers, a local ``redis`` that answers those names itself: each runs its Redis form
(a :class:`~redipy.commands.custom.LuaCommand` body, or the function a
:class:`~redipy.commands.custom.FunctionCommand` library registers) with the keys split
out as the table's key positions say, and its reply is passed through the conversion a
reply makes on its way through ``redis.call`` (numbers truncated to integers, ``true``
as 1, ``nil`` as false, an error reply raised; a number argument as its shortest
text). Every other name goes to the real
``redis``. A command with no Redis form gets a stub naming it; installing the script on
a server then fails with :func:`redipy.commands.custom.no_form`'s error.
"""

from __future__ import annotations

from redipy import commands
from redipy.commands.custom import REDIS_FORMS, FunctionCommand, LuaCommand
from redipy.commands.spec import CommandSpec, KeyNum, KeyRange

_RUNTIME = """\
local _redis = redis
local function _cc_norm(v)
  local t = type(v)
  if t == "number" then
    if v >= 0 then return math.floor(v) end
    return math.ceil(v)
  elseif t == "boolean" then
    if v then return 1 end
    return false
  elseif t == "nil" then
    return false
  elseif t == "table" then
    if v.err ~= nil then return {err = v.err} end
    if v.ok ~= nil then return {ok = v.ok} end
    local out, i = {}, 1
    while v[i] ~= nil do out[i] = _cc_norm(v[i]); i = i + 1 end
    return out
  end
  return v
end
local function _cc_args(...)
  local a = {...}
  for i = 1, #a do
    if type(a[i]) == "number" then
      for p = 1, 17 do  -- the shortest text that reads back as the number
        local s = string.format("%." .. p .. "g", a[i])
        if tonumber(s) == a[i] or p == 17 then a[i] = s; break end
      end
    end
  end
  return a
end
local _cc = {}"""

_SHADOW = """\
local function _cc_call(fn, ...)
  local r = _cc_norm(fn(_cc_args(...)))
  if type(r) == "table" and r.err ~= nil then error(r) end
  return r
end
local redis = setmetatable({
  call = function(name, ...)
    local fn = _cc[string.upper(tostring(name))]
    if fn == nil then return _redis.call(name, ...) end
    return _cc_call(fn, ...)
  end,
  pcall = function(name, ...)
    local fn = _cc[string.upper(tostring(name))]
    if fn == nil then return _redis.pcall(name, ...) end
    local ok, r = pcall(_cc_call, fn, ...)
    if ok then return r end
    if type(r) == "table" then return r end
    return {err = tostring(r)}
  end,
}, {__index = _redis})"""


def _split(spec: CommandSpec) -> str:
    """A Lua function of the argument list giving (keys, other arguments)."""
    lines = ["function(a)", "    local n, iskey, k, v = #a, {}, {}, {}"]
    for key in spec.keys:
        if isinstance(key, KeyRange):
            last = (f"n + 1 + ({key.last})" if key.last < 0
                    else str(key.last or key.first))
            lines.append(f"    for i = {key.first}, math.min({last}, n), {key.step} do "
                         "iskey[i] = true end")
        elif isinstance(key, KeyNum):
            lines.append(f"    local c = tonumber(a[{key.numkeys_at}]) or 0")
            lines.append(f"    for i = {key.first}, math.min({key.first} + (c - 1) * "
                         f"{key.step}, n), {key.step} do iskey[i] = true end")
    lines.append("    for i = 1, n do if iskey[i] then k[#k + 1] = a[i] "
                 "else v[#v + 1] = a[i] end end")
    lines.append("    return k, v")
    lines.append("  end")
    return "\n".join(lines)


def _body(name: str) -> str:
    """A Lua function ``(keys, argv) -> reply`` for the command's Redis form."""
    form = REDIS_FORMS.get(name)
    if isinstance(form, LuaCommand):
        return f"function(KEYS, ARGV)\n{form.source}\nend"
    if isinstance(form, FunctionCommand):
        code = form.library.split("\n", 1)[1] if "\n" in form.library else ""
        return f"""(function()
  local found
  local redis = setmetatable({{register_function = function(a, b)
    local fname, fn = a, b
    if type(a) == "table" then fname, fn = a.function_name, a.callback end
    if fname == {_str(form.function)} then found = fn end
  end}}, {{__index = _redis}})
{code}
  if found == nil then error("library {form.name} registers no function {form.function}") end
  return found
end)()"""
    text = (f"ERR command {name} is registered for the memory backend only "
            "(no Redis form)")
    return f"function() return {{err = {_str(text)}}} end"


def _str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def registered_names(names: set[str]) -> list[str]:
    """The names among ``names`` that are registered commands, sorted."""
    return sorted(n for n in names if (s := commands.COMMANDS.get(n)) is not None
                  and s.module)


def preamble(names: list[str]) -> str:
    """The Lua that makes ``redis.call`` answer the registered commands ``names``."""
    parts = [_RUNTIME]
    for name in names:
        spec = commands.COMMANDS[name]
        parts.append(f"do\n  local split = {_split(spec)}\n  local run = {_body(name)}\n"
                     f"  _cc[{_str(name)}] = function(a)\n"
                     "    local k, v = split(a)\n    return run(k, v)\n  end\nend")
    parts.append(_SHADOW)
    return "\n".join(parts)
