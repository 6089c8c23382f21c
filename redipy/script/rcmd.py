"""How a Redis command's reply becomes a script value, for both compilers.

Inside Lua, ``redis.call`` turns a nil reply into ``false`` and a status reply into a
table ``{ok="OK"}``; the memory handlers return ``None`` and :class:`redipy.reply.Status`.
A *post* names one conversion and gives it for both sides, so a script sees the same
value whichever backend runs it. In the templates ``{args}`` is the argument list
(Lua: ``"GET", key``; Python: a list expression of strings) and ``{call}`` the plain
call (Lua: ``redis.call(...)``; Python: ``_h_GET(db, [...])``).
"""

from __future__ import annotations

from dataclasses import dataclass

from redipy.script import ir


@dataclass(frozen=True)
class Post:
    lua: str
    py: str
    type: ir.Type
    lua_helpers: tuple[str, ...] = ()


POSTS: dict[str, Post] = {
    # anything: nil -> None, status -> its text, nils inside arrays -> None, ints -> numbers
    "raw": Post("rc({args})", "_raw({call})", ir.ANY, ("rc",)),
    "int": Post("{call}", "float({call})", ir.T_NUM),
    "bulk": Post("({call} or nil)", "{call}", ir.T_OPT_STR),
    "strs": Post("({call} or nil)", "{call}", ir.T_OPT_ARRAY),
    "arr": Post("{call}", "{call}", ir.T_ARRAY),
    "ok": Post("({call} ~= false)", "({call} is not None)", ir.T_BOOL),
    "bool": Post("({call} == 1)", "({call} == 1)", ir.T_BOOL),
    "num": Post("tonumber({call})", "_fnum({call})", ir.T_OPT_NUM),
    "opt_int": Post("({call} or nil)", "_fnum({call})", ir.T_OPT_NUM),
    "pairs_dict": Post("pdict({call})", "_pdict({call})", ir.T_OBJECT, ("pdict",)),
    "hmget": Post("hmget({args})", "_hmget({h}, db, {args})", ir.T_OBJECT, ("hmget",)),
    "score_pairs": Post("spairs({call})", "_spairs({call})", ir.T_ARRAY, ("spairs",)),
    "entries": Post("sentries({call})", "_sentries({call})", ir.T_ARRAY, ("sentries",)),
    "ttl": Post("ttl({call})", "_ttl({call})", ir.T_OPT_NUM, ("ttl",)),
    "type": Post("rtype({call})", "_rtype({call})", ir.T_OPT_STR, ("rtype",)),
}

LUA_HELPERS: dict[str, str] = {
    "nn": """\
local function nn(v)
  if v == null then return nil end
  return v
end""",
    "rc": """\
local function rc(...)
  local r = redis.call(...)
  if r == false then return nil end
  if type(r) == "table" then
    if r.ok ~= nil then return r.ok end
    for i = 1, #r do
      if r[i] == false then r[i] = null end
    end
  end
  return r
end""",
    "pdict": """\
local function pdict(r)
  local res = {}
  for i = 1, #r, 2 do res[r[i]] = r[i + 1] end
  return res
end""",
    "hmget": """\
local function hmget(cmd, key, ...)
  local fields = {...}
  local vals = redis.call(cmd, key, ...)
  local res = {}
  for i = 1, #fields do
    local v = vals[i]
    if v == false then v = null end
    res[fields[i]] = v
  end
  return res
end""",
    "spairs": """\
local function spairs(r)
  local res = {}
  for i = 1, #r, 2 do res[#res + 1] = {r[i], tonumber(r[i + 1])} end
  return res
end""",
    "sentries": """\
local function sentries(r)
  local res = {}
  for i = 1, #r do
    local flat, fields = r[i][2], {}
    for j = 1, #flat, 2 do fields[flat[j]] = flat[j + 1] end
    res[i] = {r[i][1], fields}
  end
  return res
end""",
    "ttl": """\
local function ttl(r)
  if r < 0 then return nil end
  return r / 1000
end""",
    "rtype": """\
local function rtype(r)
  local t = r.ok or r
  if t == "none" then return nil end
  return t
end""",
    "eq": """\
local function eq(a, b)
  return a == b
end""",
    "arr": """\
local function arr(...)
  local t = {...}
  for i = 1, select("#", ...) do
    if t[i] == nil then t[i] = null end
  end
  return t
end""",
    "dict": """\
local function dict(...)
  local t = {}
  local n = select("#", ...)
  local a = {...}
  for i = 1, n, 2 do
    local v = a[i + 1]
    if v == nil then v = null end
    t[a[i]] = v
  end
  return t
end""",
    "setat": """\
local function setat(t, i, v)
  if v == nil then v = null end
  t[i + 1] = v
end""",
    "setkey": """\
local function setkey(t, k, v)
  if v == nil then v = null end
  t[k] = v
end""",
    "at": """\
local function at(t, i)
  local v = t[i + 1]
  if v == null then return nil end
  return v
end""",
    "get": """\
local function get(t, k)
  local v = t[k]
  if v == null then return nil end
  return v
end""",
    "find": """\
local function find(h, n, s)
  if s == nil then s = 0 end
  if s >= 0 then s = s + 1 end
  local r = string.find(h, n, s, true)
  if r == nil then return nil end
  return r - 1
end""",
    "intstr": """\
local function intstr(v)
  local n = math.floor(tonumber(v))
  if n == 0 then n = 0 end
  return string.format("%.0f", n)
end""",
    "div": """\
local function div(a, b)
  return a / b
end""",
    "enc_arr": """\
local function enc_arr(v)
  if type(v) == "table" and next(v) == nil then return "[]" end
  return cjson.encode(v)
end""",
    "enc": """\
local function enc(v, s)
  if type(v) ~= "table" or not s then return cjson.encode(v) end
  if next(v) == nil then
    if s.k == "a" then return "[]" end
    return "{}"
  end
  if not s.i and not s.e and not s.f then return cjson.encode(v) end
  local parts = {}
  if s.k == "a" then
    for i = 1, #v do parts[i] = enc(v[i], (s.i and s.i[i]) or s.e) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  for k, x in pairs(v) do
    parts[#parts + 1] = cjson.encode(tostring(k)) .. ":" .. enc(x, (s.f and s.f[k]) or s.e)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end""",
    "fromjson": """\
local function fromjson(s)
  local v = cjson.decode(s)
  if v == null then return nil end
  return v
end""",
    "strlen": """\
local function strlen(s)
  if type(s) ~= "string" then error("attempt to get length of a " .. type(s) .. " value") end
  return #s
end""",
    "arrlen": """\
local function arrlen(t)
  if type(t) ~= "table" then error("attempt to get length of a " .. type(t) .. " value") end
  return #t
end""",
}
HELPER_ORDER = tuple(LUA_HELPERS)


# The 0.7.1 behaviour of RedisFn(name, ...) for lower-case command names it patched.
LEGACY_POSTS: dict[str, tuple[str, str]] = {
    "get": ("GET", "bulk"),
    "lpop": ("LPOP", "bulk"),
    "rpop": ("RPOP", "bulk"),
    "hget": ("HGET", "bulk"),
    "incrby": ("INCRBYFLOAT", "num"),
    "hincrby": ("HINCRBYFLOAT", "num"),
    "sismember": ("SISMEMBER", "bool"),
    "hgetall": ("HGETALL", "pairs_dict"),
    "hmget": ("HMGET", "hmget"),
    "zpopmax": ("ZPOPMAX", "score_pairs"),
    "zpopmin": ("ZPOPMIN", "score_pairs"),
    "type": ("TYPE", "type"),
    "set": ("SET", "ok"),
}
