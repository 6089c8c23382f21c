"""Lua on the memory backend against the servers: the environment a script sees.

Each case is a command sequence run on a fresh memory backend and on a flushed Valkey
8.1, Valkey 9.1 and Redis 7.0; every reply (errors word for word, after the wording
differences of older servers are mapped to Valkey 9.1's) must be equal. Cases marked
``VALKEY`` are not sent to Redis 7.0, which formats numbers with ``%.17g``, has no
``server``/``os`` globals and crashes on ``error({})``.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.lua_wire import MemoryWire, Wire, as_valkey9
from tests.servers import Server

ALL = ("valkey", "valkey9", "redis")
VALKEY = ("valkey", "valkey9")

E = "EVAL"


def sha1(body: str) -> str:
    return hashlib.sha1(body.encode("latin-1")).hexdigest()


def ev(body: str, *rest: Any) -> tuple[Any, ...]:
    return (E, body, *(rest or ("0",)))


CASES: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]] = {
    "errors_from_calls": (ALL, [
        ("SET", "s", "a"),
        ev("return redis.call('incr','s')"),
        ev("return redis.pcall('incr','s')"),
        ev("\n\nreturn redis.call('nosuch','s')"),
        ev("return redis.call('get')"),
        ev("return redis.call()"),
        ev("return redis.call({})"),
        ev("return redis.call('get', {})"),
        ev("return redis.call('get', nil)"),
        ev("return redis.call('set','x', true)"),
        ev("return redis.call('lpush','s','x')"),
        ev("return redis.pcall('nosuch')"),
        ev("return redis.pcall('get')"),
        ev("return redis.pcall()"),
        ev("return type(redis.pcall({}))"),
        ev("return redis.call('subscribe','x')"),
        ev("return redis.call('eval','return 1','0')"),
        ev("return redis.call('multi')"),
        ev("\nlocal function f()\n  return redis.call('incr','s')\nend\nreturn f()"),
    ]),
    "lua_errors": (ALL, [
        ev("error('boom')"),
        ev("error({err='X boom'})"),
        ev("error()"),
        ev("error(12)"),
        ev("error('x', 0)"),
        ev("error('WRONGTYPE x', 0)"),
        ev("local a = nil; return a.b"),
        ev("local x = 1\nlocal y = nil + 1"),
        ev("local function f() error('deep') end\nlocal function g() f() end\ng()"),
        ev("local t = setmetatable({}, {__index=function() error('mt') end}); return t.x"),
        ev("\nlocal function f()\n  error('in f')\nend\n\nf()"),
        ev("local t = {}\nfor i=1,3 do t[i]=i end\nerror('at3')"),
        ev("return 1 +"),
        ev("return loadstring('x = 1')()"),
        ("SCRIPT", "LOAD", "return +"),
    ]),
    "pcall_and_error_tables": (ALL, [
        ("SET", "s", "a"),
        ev("local ok, e = pcall(redis.call, 'incr','s'); return {tostring(ok), type(e), e}"),
        ev("local ok, e = pcall(function() return redis.call('incr','s') end); return e"),
        ev("local ok,e = pcall(redis.call,'incr','s'); error(e)"),
        ev("local ok,e = pcall(redis.call,'lpush','s', 'x'); error(e, 0)"),
        ev("local e = redis.pcall('incr','s'); error(e)"),
        ev("local t = redis.pcall('incr','s'); return {type(t), t.err}"),
        ev("local t = redis.pcall('incr','s'); local n = 0; "
           "for k,v in pairs(t) do n = n + 1 end; return n"),
        ev("local ok, e = pcall(error, {err='Q'}); return type(e)"),
        ev("local ok, e = pcall(error, 'x'); return {tostring(ok), type(e), e}"),
        ev("local ok, e = pcall(function() local a; return a.b end); return e"),
        ev("local ok, e = pcall(function() x = 1 end); return e"),
        ev("local ok, e = pcall(function() return zz end); return e"),
        ev("local ok, e = xpcall(function() return redis.call('incr','s') end, "
           "function(m) return type(m) end); return e"),
        ev("return redis.error_reply('My err')"),
        ev("return redis.error_reply('-My err')"),
        ev("return redis.error_reply('')"),
        ev("return redis.error_reply()"),
        ev("return redis.status_reply('FINE')"),
        ev("return redis.status_reply()"),
        ev("return {err='Q'}"),
        ev("return {err='ERR  Q'}"),
        ev("return {err='-X y'}"),
        ev("return {err='a\\r\\nb'}"),
        ev("return {ok='a\\r\\nb'}"),
        ev("return {err='a', ok='b'}"),
        ev("return {err=3}"),
    ]),
    "errors_inside_coroutines": (ALL, [
        ("SET", "s", "a"),
        ev("local co = coroutine.create(function() return redis.call('lpush', 's', 'x') end); "
           "local ok, e = coroutine.resume(co); local t = {}; "
           "for k, v in pairs(e) do t[#t+1] = k .. '=' .. tostring(v) end; table.sort(t); "
           "return {tostring(ok), type(e), coroutine.status(co), unpack(t)}"),
        ev("local co = coroutine.create(function() return redis.call('lpush', 's', 'x') end); "
           "local ok, e = coroutine.resume(co); return e"),
        ev("local co = coroutine.create(function() return redis.call('lpush', 's', 'x') end); "
           "local ok, e = coroutine.resume(co); error(e)"),
        ev("local co = coroutine.create(function() redis.setresp(5) end); "
           "local ok, e = coroutine.resume(co); return {type(e), e.err}"),
        ev("local co = coroutine.create(function() coroutine.yield(1); "
           "redis.call('lpush', 's', 'x') end); local a, b = coroutine.resume(co); "
           "local c, d = coroutine.resume(co); return {tostring(a), b, tostring(c), d.err}"),
        ev("local co = coroutine.create(function() return redis.pcall('lpush', 's', 'x') end); "
           "local ok, e = coroutine.resume(co); return {tostring(ok), type(e), e.err}"),
        ev("local w = coroutine.wrap(function() return redis.call('lpush', 's', 'x') end); "
           "local ok, e = pcall(w); return {tostring(ok), type(e), e}"),
        ev("local co = coroutine.create(function() error({err='MINE x'}) end); "
           "local ok, e = coroutine.resume(co); return {type(e), e.err}"),
        ev("local co = coroutine.create(function() error('plain') end); "
           "local ok, e = coroutine.resume(co); return e"),
        ev("local ok, e = coroutine.resume(coroutine.create(function() end)); "
           "local ok2, e2 = coroutine.resume(coroutine.create(function() end)); "
           "return {tostring(ok), tostring(ok2)}"),
        ev("return {coroutine.resume(coroutine.create(function(a, b) return a + b, 'x' end), "
           "2, 3)}"),
    ]),
    "errors_inside_coroutines_valkey": (VALKEY, [
        ev("local co = coroutine.create(function() redis.call('nosuch') end); "
           "local ok, e = coroutine.resume(co); return {type(e), e.err}"),
    ]),
    "conversions": (ALL, [
        ev("return {1,2,3.7,'x',nil,5}"),
        ev("return {1,{2,{3}},true,false}"),
        ev("return true"), ev("return false"), ev("return nil"),
        ev("return 3.99"), ev("return -3.99"), ev("return 'x', 'y'"),
        ev("return 1e100"), ev("return -1e100"), ev("return 0/0"), ev("return 2^63"),
        ev("return 9007199254740993"),
        ev("return {KEYS[1], ARGV[1], #KEYS, #ARGV}", "1", "k", "a", "b"),
        ev("local t = {} ; t[1]=1; t[3]=3; return t"),
        ev("return {[1]=1, [2]=2, x=3}"),
        ev("return {ok='b', 1, 2}"),
        ev("return {double=3}"), ev("return {double=1e15}"), ev("return {double=1/0}"),
        ev("return {double='x'}"),
        ev("return {map={a=1}}"),
        ev("return {set={a=true}}"),
        ev("return {big_number='123'}"),
        ev("return {double=-0}"), ev("return {double=-0.0}"),
        ev("return {verbatim_string={format='txt', string='hey'}}"),
        ev("return {1, {ok='x'}, {err='E inner'}, {double=2.5}}"),
        ev("return redis.call('set', 'k', 'v')"),
        ev("return type(redis.call('set', 'k', 'v'))"),
        ev("return redis.call('set', 'k', 'v').ok"),
        ev("return type(redis.call('get', 'nokey'))"),
        ev("return redis.call('hset', 'h', 'a', '1', 'b', '2')"),
        ev("return redis.call('hgetall', 'h')"),
        ev("return redis.call('zadd', 'z', '1.5', 'a')"),
        ev("return redis.call('zrange', 'z', 0, -1, 'withscores')"),
        ev("return redis.call('mget', 'k', 'nokey', 'h')"),
        ev("redis.call('set','x', 10000000000000001); return redis.call('get','x')"),
        ev("redis.call('set','x', 2^53); return redis.call('get','x')"),
        ev("redis.call('set','x', 100); return redis.call('get','x')"),
        ev("redis.call('set','x', 1/0); return redis.call('get','x')"),
        ev("redis.call('set','x', 0/0); return redis.call('get','x')"),
        ev("redis.call('set','x', 1e15+0.5); return redis.call('get','x')"),
        ev("redis.call('set','x', 0.1+0.2); return redis.call('get','x')"),
        ev("redis.call('set','x', 1e21); return redis.call('get','x')"),
        ev("return redis.call('incrbyfloat','f', 2.5)"),
        ev("return {tostring(1e15), tostring(0.1), tostring(1/3), tostring(-0), "
           "tostring(1/0)}"),
    ]),
    "conversions_valkey_numbers": (VALKEY, [
        *[ev(f"redis.call('set','x', {e}); return redis.call('get','x')") for e in
          ["1/3", "1e300", "123456789.123456789", "2^63", "-2^63", "2^64", "1e-5",
           "12345678901234567890", "1e-7", "-2.5e-7", "5e-324", "-0.000001", "0.1",
           "2^62+1"]],
        *[ev(f"return {{double={e}}}") for e in
          ["0.1", "1/3", "1e100", "0/0", "-2.5e-7", "1e-7", "123456789", "12345678"]],
        ev("return redis.call('incrbyfloat','f', 0.1)"),
    ]),
    "redis_api": (ALL, [
        ev("return redis.sha1hex('')"), ev("return redis.sha1hex(1)"),
        ev("return redis.sha1hex()"),
        ev("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}"),
        ev("return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, "
           "redis.REPL_ALL}"),
        ev("return redis.replicate_commands()"),
        ev("return redis.set_repl(redis.REPL_ALL)"),
        ev("return redis.set_repl(99)"),
        ev("return redis.breakpoint()"),
        ev("return redis.debug('x')"),
        ev("return redis.log(redis.LOG_WARNING, 'hello from a test')"),
        ev("return redis.log(99, 'hello')"),
        ev("return redis.log()"),
        ev("return redis.setresp(4)"),
        ev("return redis.setresp()"),
        ev("return redis.setresp(3)"),
        ev("return redis.set_repl()"),
        ev("return {redis.acl_check_cmd('get','x'), redis.acl_check_cmd('set','x','y')}"),
        ev("return redis.acl_check_cmd('nosuch')"),
        ev("return _VERSION"),
        ev("return type(math.random())"),
        ev("local r = math.random(5, 8); return r >= 5 and r <= 8"),
    ]),
    "sandbox": (ALL, [
        ev("x = 1"),
        ev("return y"),
        ev("redis.call = nil"),
        ev("string.x = 1; return 1"),
        ev("_G.x = 1"),
        ev("rawset(_G, 'x', 1); return 1"),
        ev("KEYS = 1"),
        ev("KEYS[1] = 1; return KEYS[1]"),
        ev("getmetatable(_G).__index = nil; return 1"),
        ev("setmetatable(_G, nil); return 1"),
        ev("local mt = getmetatable(_G); mt.x = 1; return 1"),
        ev("return rawget(_G, 'redis') ~= nil"),
        ev("return rawget(string, 'len') ~= nil"),
        ev("return type(getmetatable(_G))"),
        ev("return type(getmetatable('').__index)"),
        ev("return {type(io)}"),
        ev("return {type(debug)}"),
        ev("return {type(print)}"),
        ev("return {type(loadfile)}"),
        ev("return {type(dofile)}"),
        ev("return {type(require)}"),
        ev("return {type(unpack), type(select), type(tonumber), type(next), type(rawget), "
           "type(error), type(assert), type(pcall), type(xpcall), type(setmetatable), "
           "type(getmetatable), type(ipairs), type(pairs), type(rawequal), type(rawset), "
           "type(tostring), type(type), type(_G), type(coroutine), type(load), "
           "type(loadstring), type(gcinfo), type(collectgarbage)}"),
        *[ev(f"local t = {{}}; for k, v in pairs({lib}) do t[#t+1] = k end; "
             "table.sort(t); return t")
          for lib in ("string", "table", "math", "cjson", "bit", "struct", "cmsgpack")],
        ev("return loadstring('return redis.call(\\'ping\\')')()"),
        ev("local f, e = loadstring('return +'); return e"),
        ev("return coroutine.wrap(function() coroutine.yield(1) end)()"),
        ev("return string.format('%d %s %5.2f %q', 3, 'a', 1.234, 'a\\0b')"),
        ev("return {tonumber('0x10'), tonumber('  5  '), tonumber('1e2'), tonumber('z')}"),
        ev("return select('#', 1, 2, 3)"),
    ]),
    "sandbox_valkey_globals": (VALKEY, [
        ev("local t = {}; for k, v in pairs(_G) do t[#t+1] = k end; table.sort(t); return t"),
        ev("local t = {}; for k, v in pairs(redis) do t[#t+1] = k end; table.sort(t); "
           "return t"),
        ev("local t = {}; for k, v in pairs(os) do t[#t+1] = k end; table.sort(t); return t"),
        ev("return {redis.SERVER_NAME, server == redis, redis.REDIS_VERSION}"),
        ev("error({})"),
    ]),
    "scripts_and_flags": (ALL, [
        ev("return 1", "-1"), ev("return 1", "2", "a"), ev("return 1", "x"),
        ("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"),
        ("EVALSHA", "fff", "0"),
        ("SCRIPT", "LOAD", "return 1"),
        ("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "00"),
        ("EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"),
        ("SCRIPT", "LOAD", "return redis.call('incr', KEYS[1])"),
        ("SET", "s", "a"),
        ("EVALSHA", sha1("return redis.call('incr', KEYS[1])"), "1", "s"),
        ("SCRIPT", "KILL"),
        ("SCRIPT", "FLUSH", "x"),
        ("SCRIPT", "FLUSH", "ASYNC"),
        ("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"),
        ("SCRIPT", "nosuch"),
        ("EVAL_RO", "return redis.call('set','a','b')", "0"),
        ("EVAL_RO", "return redis.call('get','a')", "0"),
        ev("#!lua flags=no-writes\nreturn redis.call('set','a','b')"),
        ev("#!lua flags=no-writes,allow-stale\nreturn 1"),
        ev("#!lua flags=bogus\nreturn 1"),
        ev("#!lua\nreturn redis.call('get', 'zz')"),
        ev("#!lua name=x\nreturn 1"),
        ev("#!lua flags=no-cluster\nreturn 1"),
        ("EVAL_RO", "#!lua\nreturn 1", "0"),
        ("EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get', 'a')", "0"),
        ("SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn 2"),
        ("EVALSHA_RO", sha1("#!lua flags=no-writes\nreturn 2"), "0"),
        ("EVALSHA_RO", sha1("return 1"), "0"),
        ("MULTI",), ev("return redis.call('incr', 'm')"), ev("return redis.call('incr', 'm')"),
        ("EXEC",),
    ]),
    "scripts_engine_valkey": (VALKEY, [
        ev("#!python\nreturn 1"),
        ev("return redis.call('blpop','q','0')"),
        ev("local ok, e = pcall(redis.call, 'nosuch','s'); return e"),
    ]),
    "libraries": (ALL, [
        ev("return {bit.band('7', 3), bit.tobit(2^32+5), bit.tobit(2.5), bit.tobit(3.5), "
           "bit.tobit(-1), bit.bnot(0), bit.lshift(1, 31), bit.rshift(-1, 28), "
           "bit.arshift(-16, 2), bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), "
           "bit.bswap(0x12345678), bit.tohex(255), bit.tohex(-1, -4), bit.tohex(255, 2), "
           "bit.bxor(5, 3, 1), bit.bor(1,2,4)}"),
        ev("return bit.band()"), ev("return bit.band('x')"),
        ev("return select('#', bit.band(1))"),
        ev("return cjson.decode('x')"), ev("return cjson.decode('[1,2')"),
        ev("return cjson.decode('{\"a\":}')"), ev("return cjson.decode()"),
        ev("return cjson.encode()"), ev("return cjson.encode(function() end)"),
        ev("return cjson.encode({[1]=1, [3]=3})"), ev("return cjson.encode({[1]=1, [30]=3})"),
        ev("return cjson.encode({[{}]=1})"), ev("return cjson.encode({[1.5]=1})"),
        ev("return cjson.encode(0/0)"),
        ev("return cjson.encode({'a/b', '\\1\\31\\127\\128', '\\b\\f\\n\\r\\t', "
           "3.14159265358979, 1e20, 12345678901234567, 0.1})"),
        ev("return cjson.encode({a={b={c={}}}, d={1,{}}})"),
        ev("return cjson.encode({})"), ev("return cjson.encode({1,2,3})"),
        ev("return cjson.decode('[1,2,{\"a\":null}]')[3].a == cjson.null"),
        ev("return cjson.decode('\"\\\\u00e9\"')"), ev("return cjson.decode('  12  ')"),
        ev("return cjson.decode('[1e400]')[1] == 1/0"), ev("return cjson.decode('[] x')"),
        ev("return type(cjson.null)"), ev("return cjson.encode(cjson.decode('[null]'))"),
        ev("return cmsgpack.pack(1, -1, 127, 128, 255, 256, 65535, 65536, 4294967296, -32, "
           "-33, -128, -129, -32768, -32769, -2147483649, 1.5, 0.1, 'abc', true, false, nil)"),
        ev("return cmsgpack.pack(string.rep('x', 40), string.rep('y', 300), {}, {1,2}, "
           "{a=1}, {[1]=1,[3]=3})"),
        ev("return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {1, 2, {x=3}}, 2.5, true))}"),
        ev("return cmsgpack.unpack('\\193')"), ev("return cmsgpack.unpack('')"),
        ev("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}"),
        ev("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)}"),
        ev("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}"),
        ev("return cmsgpack.pack(1e100, 2^63, -2^63, 2^53)"), ev("return cmsgpack.pack()"),
        ev("return struct.pack('z')"), ev("return struct.pack('>i')"),
        ev("return {struct.pack('<i2 >I4 b B h H l L f d s c3 x', 1, 2, -3, 250, -4, 5, 6, "
           "7, 1.5, 2.5, 'str', 'abcdef')}"),
        ev("return {struct.unpack('<i2 >I4 b B', struct.pack('<i2 >I4 b B', -1, 2, -3, "
           "250))}"),
        ev("return {struct.unpack('s c2 c0', struct.pack('s c2', 'hi', 'xy'))}"),
        ev("return {struct.unpack('i4', 'abc')}"),
        ev("return {struct.size('i4 d !8 b d'), struct.size('<i3')}"),
        ev("return {struct.unpack('>i3 <I3', '\\255\\255\\254\\1\\2\\3')}"),
        ev("return {struct.unpack('B', 'xyz', 2)}"), ev("return struct.pack('i17', 1)"),
        ev("return {tostring(struct.unpack('d', struct.pack('d', 0.1)))}"),
    ]),
}

RESP3_CASES: list[tuple[Any, ...]] = [
    ev("return {double=0.5}"), ev("return {map={a=1}}"), ev("return {set={a=true}}"),
    ev("return true"), ev("return false"),
    ev("redis.setresp(3); return true"), ev("redis.setresp(3); return false"),
    ev("redis.setresp(3); return redis.call('get', 'nokey')"),
    ev("redis.setresp(3); return type(redis.call('get', 'nokey'))"),
    ("HSET", "h", "f", "v"),
    ev("redis.setresp(3); local m = redis.call('hgetall', 'h'); return m.map.f"),
    ev("redis.setresp(3); return redis.call('hgetall', 'h')"),
    ev("return redis.call('hgetall', 'h')"),
    ("SADD", "st", "m"),
    ev("redis.setresp(3); return redis.call('smembers', 'st')"),
    ev("redis.setresp(3); return redis.call('smembers', 'st').set.m"),
    ev("return {verbatim_string={format='txt', string='hey'}}"),
    ev("return {big_number='123'}"), ev("return {big_number='not a number'}"),
    ev("return {big_number='1\\r\\n2'}"), ev("return {map={a={big_number='5'}}}"),
    ev("return {double=-0}"), ev("return {double=-0.0}"), ev("return {-0.0}"),
    ("ZADD", "z0", "-0", "m"),
    ev("redis.setresp(3); return redis.call('zscore', 'z0', 'm')"),
    ev("redis.setresp(3); return tostring(redis.call('zscore', 'z0', 'm').double)"),
]


def run_both(server: Server, cmds: list[tuple[Any, ...]], proto: int = 2
             ) -> tuple[list[Any], list[Any]]:
    wire = Wire(server.port, proto)
    for cmd in (("FLUSHALL",), ("SCRIPT", "FLUSH"), ("FUNCTION", "FLUSH")):
        wire.call(*cmd)
    mem = MemoryWire(proto=proto)
    try:
        want = [as_valkey9(wire.call(*cmd)) for cmd in cmds]
        got = [mem.call(*cmd) for cmd in cmds]
    finally:
        wire.close()
    return want, got


@pytest.mark.parametrize("case", sorted(CASES))
def test_lua_environment(case: str, server: Server) -> None:
    kinds, cmds = CASES[case]
    if server.kind not in kinds:
        return  # Redis 7.0 differs here on purpose (see the module docstring)
    want, got = run_both(server, cmds)
    for cmd, w, g in zip(cmds, want, got):
        assert g == w, f"{cmd!r} on {server.kind}"


def test_lua_resp3(server: Server) -> None:
    want, got = run_both(server, RESP3_CASES, proto=3)
    for cmd, w, g in zip(RESP3_CASES, want, got):
        assert g == w, f"{cmd!r} on {server.kind}"


def test_math_random_is_the_servers_sequence() -> None:
    """A fresh state's first random numbers are the servers' (lrand48 unseeded, and
    ``randomseed`` gives the same sequence everywhere); a fresh server gives these too."""
    mem = MemoryWire()
    first = mem.call("EVAL", "return {tostring(math.random()), tostring(math.random())}",
                     "0")
    assert first == [b"0.39646477363839", b"0.84048536971234"]
    assert mem.call("EVAL", "math.randomseed(7); return tostring(math.random())", "0") \
        == b"0.26644419658298"


def test_math_random_seeded_matches(server: Server) -> None:
    body = "math.randomseed(ARGV[1]); return {tostring(math.random()), math.random(10)}"
    want, got = run_both(server, [ev(body, "0", "42")])
    assert got == want


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("parser", ["hiredis", "python"])
def test_big_number_through_redis_py(servers: dict[str, Server], protocol: int,
                                     parser: str) -> None:
    """RESP3's ``(`` reads as an int with redis-py's own parser and as a string with
    hiredis; the drop-in gives what the server gives through the same parser."""
    import redis
    from redis._parsers import _HiredisParser, _RESP2Parser, _RESP3Parser

    import redipy
    from redipy.redispy import MemoryConnectionPool

    cls = _HiredisParser if parser == "hiredis" else (
        _RESP3Parser if protocol == 3 else _RESP2Parser)
    body = "return {big_number='12345678901234567890'}"
    real = redis.Redis(connection_pool=redis.ConnectionPool(
        port=servers["valkey9"].port, protocol=protocol, parser_class=cls))
    mem = redis.Redis(connection_pool=MemoryConnectionPool(
        server=redipy.Redis(), protocol=protocol, parser_class=cls))
    try:
        want = real.eval(body, 0)
        assert mem.eval(body, 0) == want
        assert want == (12345678901234567890 if protocol == 3 and parser == "python"
                        else b"12345678901234567890")
    finally:
        real.close()
