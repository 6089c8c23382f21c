"""The Lua half of the sandbox: run once in each fresh state (chunk ``=redipy``).

It builds the globals a script sees the way Valkey 8/9 does: every library table and
``_G`` itself read-only ("Attempt to modify a readonly table"), reading a missing global
an error ("Script attempted to access nonexistent global variable"), no ``io``,
``debug``, ``print``, ``require``, ``loadfile`` or ``dofile``, ``os`` holding only
``clock``, ``pcall`` turning a server error table into its message, and the error
handler that records the script line an error came from. Lua 5.1 has no read-only
tables, so a protected table is an empty proxy whose ``__index`` is the real one;
``pairs``, ``next``, ``rawget``, ``rawset`` and ``setmetatable`` see through (or refuse)
proxies. Python fills in ``redis.call`` and friends through the ``py`` table: they are
Python functions (C functions to Lua, so the calling frame survives a tail call), and
an error they raise reaches Lua as a wrapped Python exception that the handler and
``pcall`` unwrap (:class:`redipy.memory.lua.wrap.ScriptRaise`).
"""

PRELUDE = r"""
local py = ...
local type, tostring, error, pcall, xpcall, select, setmetatable, getmetatable =
      type, tostring, error, pcall, xpcall, select, setmetatable, getmetatable
local rawget, rawset, next, pairs, ipairs, setfenv, loadstring, load =
      rawget, rawset, next, pairs, ipairs, setfenv, loadstring, load
local getinfo = debug.getinfo
local RO = "Attempt to modify a readonly table"

local real_of = setmetatable({}, {__mode = "k"})
local function ro_newindex() error(RO, 2) end

local function readonly(real, mt_shown)
  local proxy = {}
  real_of[proxy] = real
  setmetatable(proxy, {__index = real, __newindex = ro_newindex, __metatable = mt_shown})
  return proxy
end

local G = {}
local PG = {}
real_of[PG] = G
setmetatable(PG, {__index = G, __newindex = ro_newindex, __metatable = readonly({}, false)})
setmetatable(G, {__index = function(_, k)
  error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
end})

local function lib(src)
  local t = {}
  for k, v in next, src do t[k] = v end
  return t
end

local unwrap_err = py.unwrap_err

-- the error handler: the first frame that is the script's own code
local function handler(err)
  if type(err) == "userdata" then err = unwrap_err(err) end
  local level = 2
  local i = getinfo(level, "Sl")
  while i and (i.what == "C" or i.source == "=redipy") do
    level = level + 1
    i = getinfo(level, "Sl")
  end
  if type(err) ~= "table" then
    err = {err = "ERR " .. tostring(err)}
  end
  if i then
    err.source = i.source
    err.line = i.currentline
  end
  return err
end

-- pcall gives a server error as its message (Valkey's pcall does the same)
local function fixerr(ok, ...)
  if ok then return ok, ... end
  local e = ...
  if type(e) == "userdata" then e = unwrap_err(e) end
  if type(e) == "table" then
    local m = rawget(e, "err")
    if m ~= nil then return false, m end
  end
  return false, e
end

-- redis.*: Python functions (C functions to Lua: the caller's frame stays for errors)
local redis = {}
for _, name in next, {"call", "pcall", "sha1hex", "log", "setresp", "set_repl",
                      "acl_check_cmd", "breakpoint", "debug"} do
  redis[name] = py[name]
end
redis.error_reply = function(s)
  if type(s) ~= "string" then return {err = "ERR wrong number or type of arguments"} end
  return {err = py.error_text("-" .. (s:sub(1, 1) == "-" and s:sub(2) or s))}
end
redis.status_reply = function(s)
  if type(s) ~= "string" then return {err = "ERR wrong number or type of arguments"} end
  return {ok = s}
end
redis.replicate_commands = function() return true end
for k, v in next, py.constants do redis[k] = v end

-- the libraries
local mathlib = lib(math)
mathlib.random = py.random
mathlib.randomseed = py.randomseed
local stringlib = lib(string)
getmetatable("").__index = stringlib

G.redis = readonly(redis, nil)
G.server = G.redis
G.string = readonly(stringlib, nil)
G.table = readonly(lib(table), nil)
G.math = readonly(mathlib, nil)
-- an error raised by a Python function (redis.call's error table, a library's message)
-- crosses Lua as userdata: coroutine.resume hands back what a server's would
local co_resume = coroutine.resume
local function fixresume(ok, ...)
  if ok then return ok, ... end
  local e = ...
  if type(e) == "userdata" then e = unwrap_err(e) end
  return false, e
end
-- the time-limit hook: every COUNT instructions Python looks at the clock (marking
-- the script busy past busy-reply-threshold) and at the kill flag; a killed script
-- gets the error at every line from then on, so a pcall cannot swallow it for good
local sethook, gethook, tick, COUNT = debug.sethook, debug.gethook, py.tick, py.hook_count
local hook
local killing = false
hook = function()
  local e = tick()
  if e ~= nil then
    if not killing then killing = true; sethook(hook, "l") end
    -- raised in the script's own code only: not in the sandbox's handler or runner
    if getinfo(2, "S").source ~= "=redipy" then error(e, 0) end
  elseif killing then
    killing = false
    sethook(hook, "", COUNT)
  end
end
sethook(hook, "", COUNT)
local corolib = lib(coroutine)
-- a hook belongs to its coroutine: servers' C hook is inherited by every coroutine a
-- script creates, with a count of its own that goes on across resumes. Here each
-- coroutine gets the hook at its first resume (coroutine.wrap's at its start) and
-- keeps its count; a kill inside it stops the caller
local co_wrap = coroutine.wrap
local function hooked(co)
  local h, mask = gethook(co)  -- the debugger's line hook, when it set one, stays
  if h == nil then
    sethook(co, hook, killing and "l" or "", killing and 0 or COUNT)
  elseif h == hook and (mask == "l") ~= killing then
    sethook(co, hook, killing and "l" or "", killing and 0 or COUNT)
  end
end
corolib.resume = function(co, ...)
  if type(co) == "thread" then hooked(co) end
  return fixresume(co_resume(co, ...))
end
-- coroutine.wrap is py.wrap (a C function to Lua, as the original is: a bad argument is
-- reported at the caller's line): it checks its argument and calls hooked_wrap
local function hooked_wrap(f)
  return co_wrap(function(...)
    sethook(hook, killing and "l" or "", killing and 0 or COUNT)
    return f(...)
  end)
end
local function lua_function(f)
  return type(f) == "function" and getinfo(f, "S").what ~= "C"
end
corolib.wrap = py.wrap
G.coroutine = readonly(corolib, nil)
G.os = readonly({clock = os.clock}, nil)
for _, name in next, {"cjson", "bit", "struct", "cmsgpack"} do
  G[name] = readonly(py[name], nil)
end
for _, name in next, {"assert", "collectgarbage", "error", "gcinfo", "getmetatable",
    "select", "tonumber", "tostring", "type", "unpack", "rawequal"} do
  G[name] = _G[name]
end
G._VERSION = _VERSION
G._G = PG
local function unwrap(t) return real_of[t] or t end
G.rawget = function(t, k) return rawget(unwrap(t), k) end
G.rawset = function(t, k, v)
  if real_of[t] then error({err = "ERR " .. RO}) end
  return rawset(t, k, v)
end
G.next = function(t, k) return next(unwrap(t), k) end
G.pairs = function(t)
  local real = real_of[t]
  if real then return next, real, nil end
  return pairs(t)
end
G.ipairs = function(t) return ipairs(unwrap(t)) end
G.setmetatable = function(t, mt)
  if real_of[t] then error({err = "ERR " .. RO}) end
  return setmetatable(t, mt)
end
G.pcall = function(...) return fixerr(pcall(...)) end
G.xpcall = function(f, h)
  return xpcall(f, function(e)
    if type(e) == "userdata" then e = unwrap_err(e) end
    return h(e)
  end)
end
G.loadstring = function(s, name)
  local f, e = loadstring(s, name)
  if f then setfenv(f, PG) end
  return f, e
end
G.load = function(s, name)
  local f, e = load(s, name)
  if f then setfenv(f, PG) end
  return f, e
end
G.__redis__err__handler = handler
G.__server__err__handler = handler

-- compile a script body as the server does (chunk "@user_script")
local function compile(body, chunkname)
  local f, e = loadstring(body, chunkname)
  if not f then return nil, e end
  setfenv(f, PG)
  return f
end

-- run one script: KEYS and ARGV, then the function under the error handler. Success
-- returns the script's value alone, failure four values (false, message, source,
-- line): Python tells them apart by the tuple, with no tuple made on success.
local function fail(r)
  if type(r) ~= "table" then return false, "ERR " .. tostring(r), nil, nil end
  local msg = r.err
  if type(msg) == "number" then msg = tostring(msg) end
  if type(msg) ~= "string" then msg = nil end
  local line = r.line
  if type(line) == "number" then line = tostring(line) end
  return false, msg, r.source, line
end

local function finish(ok, r)
  if ok then return r end
  return fail(r)
end

local function exec(f)
  local ok, r = xpcall(f, handler)
  if ok then return r end
  return fail(r)
end

local function run(f, nkeys, ...)
  local a = {...}
  local keys, argv = {}, {}
  for i = 1, nkeys do keys[i] = a[i] end
  for i = nkeys + 1, select("#", ...) do argv[i - nkeys] = a[i] end
  rawset(G, "KEYS", keys)
  rawset(G, "ARGV", argv)
  return finish(xpcall(f, handler))
end

local function run_table(f, nkeys, a, n)
  local keys, argv = {}, {}
  for i = 1, nkeys do keys[i] = a[i] end
  for i = nkeys + 1, n do argv[i - nkeys] = a[i] end
  rawset(G, "KEYS", keys)
  rawset(G, "ARGV", argv)
  return finish(xpcall(f, handler))
end

-- runners for up to SMALL keys and SMALL arguments: the tables built by constructors
-- from named parameters, no vararg table and no loops (runners[nkeys * SMALL + nargs + 1]);
-- G has no __newindex, so a plain store is rawset without the call
local SMALL = 4
local runners = {}
for k = 0, SMALL - 1 do
  for m = 0, SMALL - 1 do
    local ks, as = {}, {}
    for i = 1, k do ks[i] = "k" .. i end
    for i = 1, m do as[i] = "a" .. i end
    local params = table.concat({"f", unpack(ks)}, ", ")
    if m > 0 then params = params .. ", " .. table.concat(as, ", ") end
    local src = "local rawset, G, exec = ...\n" ..
      "return function(" .. params .. ")\n" ..
      "  G.KEYS = {" .. table.concat(ks, ", ") .. "}\n" ..
      "  G.ARGV = {" .. table.concat(as, ", ") .. "}\n" ..
      "  return exec(f)\nend"
    runners[k * SMALL + m + 1] = assert(loadstring(src, "=redipy"))(rawset, G, exec)
  end
end

-- binders[nkeys * SMALL + nargs + 1](f): a runner of that shape with the script bound in
-- (EVALSHA's common call: the function is not handed over at each run, and exec's call
-- is inlined)
local binders = {}
for k = 0, SMALL - 1 do
  for m = 0, SMALL - 1 do
    local ks, as = {}, {}
    for i = 1, k do ks[i] = "k" .. i end
    for i = 1, m do as[i] = "a" .. i end
    local params = table.concat(ks, ", ")
    if m > 0 then params = params .. (k > 0 and ", " or "") .. table.concat(as, ", ") end
    local src = "local G, xpcall, handler, fail = ...\n" ..
      "return function(f) return function(" .. params .. ")\n" ..
      "  G.KEYS = {" .. table.concat(ks, ", ") .. "}\n" ..
      "  G.ARGV = {" .. table.concat(as, ", ") .. "}\n" ..
      "  local ok, r = xpcall(f, handler)\n" ..
      "  if ok then return r end\n" ..
      "  return fail(r)\nend end"
    binders[k * SMALL + m + 1] = assert(loadstring(src, "=redipy"))(G, xpcall, handler, fail)
  end
end

-- what kind of reply a returned table is (the server's order of checks)
local function classify(t)
  local v = rawget(t, "err")
  if type(v) == "string" then return 1, v end
  v = rawget(t, "ok")
  if type(v) == "string" then return 2, v end
  v = rawget(t, "double")
  if type(v) == "number" then return 3, v, v == 0 and 1 / v < 0 end
  v = rawget(t, "big_number")
  if type(v) == "string" then return 4, v end
  v = rawget(t, "verbatim_string")
  if type(v) == "table" then
    local fmt, s = rawget(v, "format"), rawget(v, "string")
    if type(fmt) == "string" and type(s) == "string" then return 5, s, fmt end
  end
  v = rawget(t, "map")
  if type(v) == "table" then
    local flat, n = {}, 0
    for k, x in next, v do flat[n + 1] = k; flat[n + 2] = x; n = n + 2 end
    return 6, flat, n
  end
  v = rawget(t, "set")
  if type(v) == "table" then
    local arr, n = {}, 0
    for k in next, v do n = n + 1; arr[n] = k end
    return 7, arr, n
  end
  local n = 0
  while rawget(t, n + 1) ~= nil do n = n + 1 end
  if n <= 64 then return 8, n, unpack(t, 1, n) end
  return 0, t, n
end

-- FUNCTION libraries: the chunk's environment shows only `redis` while it loads
-- (with register_function and a few constants), then the function globals.
local GF = {}
for k, v in next, G do GF[k] = v end
GF.__redis__err__handler = nil
GF.__server__err__handler = nil
setmetatable(GF, getmetatable(G))
local redisF = {}
for k, v in next, redis do redisF[k] = v end
redisF.breakpoint, redisF.debug, redisF.replicate_commands = nil, nil, nil
GF.redis = readonly(redisF, nil)
GF.server = GF.redis
local PGF = {}
real_of[PGF] = GF
setmetatable(PGF, {__index = GF, __newindex = ro_newindex, __metatable = readonly({}, false)})
GF._G = PGF

local redisL = {register_function = py.register_function, log = redis.log}
for k, v in next, py.constants do
  if k:sub(1, 4) == "LOG_" or k:sub(1, 6) ~= "REPL_" then redisL[k] = v end
end
setmetatable(redisL, getmetatable(G))
local LG = {}
LG.redis = readonly(redisL, nil)
LG.server = LG.redis
setmetatable(LG, getmetatable(G))

local function compile_library(code)
  local f, e = loadstring(code, "@user_function")
  if not f then return nil, e end
  local env = {}
  local mt = {__index = LG, __newindex = ro_newindex, __metatable = readonly({}, false)}
  setmetatable(env, mt)
  setfenv(f, env)
  local function ready() mt.__index = GF; real_of[env] = GF end
  return f, ready
end

local function load_library(f)
  local ok, e = xpcall(f, handler)
  if ok then return true end
  local msg = type(e) == "table" and e.err or tostring(e)
  return false, msg
end

local function call_function(f, keys, args)
  return finish(xpcall(function() return f(keys, args) end, handler))
end

-- luaL_where(L, 1) for a Python library function: the position of its caller when
-- that is Lua code ("user_script:3: "), nothing when it is C (pcall, another library)
local function where()
  local level = 2
  local i = getinfo(level, "Sl")
  while i and i.what ~= "C" do
    level = level + 1
    i = getinfo(level, "Sl")
  end
  i = getinfo(level + 1, "Sl")
  while i and i.source == "=redipy" do  -- the sandbox's coroutine.resume
    level = level + 1
    i = getinfo(level + 1, "Sl")
  end
  if i and i.what ~= "C" and i.currentline > 0 then
    return i.short_src .. ":" .. i.currentline .. ": "
  end
  return ""
end

return {run = run, run_table = run_table, runners = runners, binders = binders, small = SMALL,
        compile = compile, classify = classify,
        G = G, PG = PG, redis = redis, handler = handler, where = where,
        hooked_wrap = hooked_wrap, lua_function = lua_function,
        compile_library = compile_library, load_library = load_library,
        call_function = call_function}
"""
