"""The geo commands on the memory backend against Valkey 8.1, Valkey 9.1 and Redis 7.0:
scores, coordinates, distances and geohashes digit for digit, searches in the server's
member order (unsorted, COUNT ANY), every option and error, odd scores, the poles and
the antimeridian, and random points and searches."""

from __future__ import annotations

import random

import redis as redis_py
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import redipy
from tests.parity import Newest, assert_same
from tests.servers import Server

SICILY = ("GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
          "Catania", "12.758489", "38.788135", "edge1", "17.241510", "38.788135", "edge2")


def test_geoadd_and_readers(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        SICILY, ("ZRANGE", "Sicily", "0", "-1", "WITHSCORES"),
        ("GEOADD", "Sicily", "NX", "13.5", "38.1", "Palermo", "1", "2", "new"),
        ("GEOADD", "Sicily", "XX", "CH", "13.5", "38.1", "Palermo", "1", "2", "other"),
        ("GEOADD", "Sicily", "CH", "13.5", "38.1", "Palermo"),
        ("GEOADD", "Sicily", "CH", "NX", "XX", "1", "2", "x"),
        ("GEOADD", "Sicily", "1", "2"), ("GEOADD", "Sicily", "CH", "CH", "CH"),
        ("GEOADD", "Sicily", "GT", "1", "2", "x"), ("GEOADD", "Sicily", "x", "2", "m"),
        ("GEOADD", "Sicily", "1", "nan", "m"), ("GEOADD", "Sicily", "200", "10", "m"),
        ("GEOADD", "Sicily", "10", "85.06", "m"), ("GEOADD", "Sicily", "-180", "-85.05112878",
                                                   "corner"),
        ("GEOADD", "Sicily", "180", "85.05112878", "corner2"), ("GEOADD", "Sicily", "1", "2"),
        ("GEOPOS", "Sicily", "Palermo", "Catania", "nope", "corner", "corner2", "new"),
        ("GEOPOS", "Sicily"), ("GEOPOS", "nokey", "a"), ("GEOHASH", "Sicily", "Palermo",
                                                         "Catania", "corner", "nope"),
        ("GEOHASH", "nokey", "a", "b"), ("GEODIST", "Sicily", "Palermo", "Catania"),
        ("GEODIST", "Sicily", "Palermo", "Catania", "KM"),
        ("GEODIST", "Sicily", "Palermo", "Catania", "mi"),
        ("GEODIST", "Sicily", "Palermo", "Catania", "ft"),
        ("GEODIST", "Sicily", "Palermo", "Palermo"), ("GEODIST", "Sicily", "Palermo", "x"),
        ("GEODIST", "Sicily", "Palermo", "Catania", "yd"),
        ("GEODIST", "Sicily", "Palermo", "Catania", "m", "extra"),
        ("GEODIST", "nokey", "a", "b"), ("GEODIST", "nokey", "a", "b", "parsec"),
        ("GEODIST", "Sicily", "corner", "corner2"),
        ("SET", "str", "x"), ("GEOADD", "str", "1", "2", "m"), ("GEOPOS", "str", "m"),
        ("GEOHASH", "str", "m"), ("GEODIST", "str", "a", "b"), ("GEODIST", "str", "a", "b", "x"),
        ("GEOADD", "str", "1", "x", "m"),
        # scores that are not geohashes (any ZADD may write them)
        ("ZADD", "odd", "-1", "neg", "1e20", "huge", "0", "zero", "4503599627370496", "2^52",
         "inf", "inf", "-inf", "minf", "3.7", "frac"),
        ("GEOPOS", "odd", "neg", "huge", "zero", "2^52", "inf", "minf", "frac"),
        ("GEOHASH", "odd", "neg", "huge", "zero", "2^52", "frac"),
        ("GEODIST", "odd", "zero", "2^52", "km"),
        ("GEOADD",), ("GEOPOS",), ("GEODIST", "k", "a"), ("GEOHASH",),
    ])


def test_geoadd_one_member_coordinate_texts(servers: dict[str, Server]) -> None:
    """The one-place path reads plain decimals with float(): everything float() takes
    and strtod does not (underscores, spaces, underflow) must still be refused."""
    texts = ["1_0", "10 ", "1\t", "+.5", "-0", "0.", ".5", "1.", "1-2", "+-1", "-", ".",
             "", "1e1", "1E1", "1e-400", "0." + "0" * 330 + "1", "1" * 400, "+1", "٣",
             "inf", "-inf", "nan", "0x1p3", "13.361389", "-180", "180.0000001"]
    cmds: list[tuple[str, ...]] = []
    for i, text in enumerate(texts):
        group = [("GEOADD", f"g{i}", text, "38.1", "m"), ("GEOADD", f"h{i}", "13.3", text, "m"),
                 ("ZRANGE", f"g{i}", "0", "-1", "WITHSCORES"),
                 ("ZRANGE", f"h{i}", "0", "-1", "WITHSCORES")]
        # Valkey 8.1 and Redis 7.0 read hex floats; Valkey 9.1 does not
        cmds += [Newest(c) for c in group] if text.startswith("0x") else group
    assert_same(servers, cmds)


def _places(n: int, seed: int, lon: float, lat: float, spread: float) -> tuple[str, ...]:
    rng = random.Random(seed)
    out: list[str] = ["GEOADD", "pts"]
    for i in range(n):
        out += [repr(round(lon + rng.uniform(-spread, spread), 6)),
                repr(round(max(min(lat + rng.uniform(-spread, spread), 85), -85), 6)), f"p{i}"]
    return tuple(out)


def test_searches(servers: dict[str, Server]) -> None:
    search = ("GEOSEARCH", "pts")
    cmds: list[tuple[str, ...]] = [
        _places(300, 1, 13.4, 38.1, 2.0),
        (*search, "FROMLONLAT", "13.4", "38.1", "BYRADIUS", "50", "km"),
        (*search, "FROMLONLAT", "13.4", "38.1", "BYRADIUS", "50", "km", "ASC", "WITHDIST",
         "WITHCOORD", "WITHHASH"),
        (*search, "FROMMEMBER", "p7", "BYBOX", "80", "40", "km", "DESC", "WITHDIST"),
        (*search, "FROMMEMBER", "p7", "BYBOX", "80", "40", "mi", "COUNT", "5", "withcoord"),
        (*search, "FROMLONLAT", "13.4", "38.1", "BYRADIUS", "100", "km", "COUNT", "3", "ANY"),
        (*search, "FROMLONLAT", "13.4", "38.1", "BYRADIUS", "100", "km", "COUNT", "3", "ANY",
         "DESC", "WITHDIST"),
        (*search, "FROMLONLAT", "13.4", "38.1", "BYRADIUS", "0", "m"),
        (*search, "FROMMEMBER", "p3", "BYRADIUS", "0", "m", "WITHDIST"),
        (*search, "FROMLONLAT", "13.4", "38.1", "BYRADIUS", "20000", "km", "COUNT", "4"),
        (*search, "FROMLONLAT", "-166.6", "38.1", "BYRADIUS", "6000", "km", "COUNT", "2",
         "WITHDIST"),
        (*search, "FROMLONLAT", "13.4", "38.1", "BYBOX", "300000", "1", "ft", "WITHDIST"),
        ("GEOSEARCHSTORE", "dst", "pts", "FROMLONLAT", "13.4", "38.1", "BYRADIUS", "30", "km"),
        ("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
        ("GEOSEARCHSTORE", "dst", "pts", "FROMMEMBER", "p1", "BYBOX", "60", "60", "km",
         "STOREDIST", "COUNT", "7"), ("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
        ("GEOSEARCHSTORE", "dst", "pts", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"),
        ("EXISTS", "dst"), ("SET", "dst", "x"),
        ("GEOSEARCHSTORE", "dst", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"),
        ("EXISTS", "dst"),
        ("GEORADIUS", "pts", "13.4", "38.1", "40", "km"),
        ("GEORADIUS", "pts", "13.4", "38.1", "40", "km", "WITHDIST", "COUNT", "4", "DESC"),
        ("GEORADIUS", "pts", "13.4", "38.1", "40", "km", "STORE", "st"), ("ZCARD", "st"),
        ("GEORADIUS", "pts", "13.4", "38.1", "40", "km", "STOREDIST", "sd", "COUNT", "3"),
        ("ZRANGE", "sd", "0", "-1", "WITHSCORES"),
        ("GEORADIUS_RO", "pts", "13.4", "38.1", "40", "km", "WITHHASH", "ASC"),
        ("GEORADIUS_RO", "pts", "13.4", "38.1", "40", "km", "STORE", "st"),
        ("GEORADIUSBYMEMBER", "pts", "p2", "25", "km", "WITHCOORD"),
        ("GEORADIUSBYMEMBER", "pts", "p2", "25", "km", "STORE", "st2"),
        ("ZRANGE", "st2", "0", "-1", "WITHSCORES"),
        ("GEORADIUSBYMEMBER_RO", "pts", "p2", "25", "km", "COUNT", "2", "ANY"),
        Newest(("GEORADIUSBYMEMBER", "pts", "nope", "25", "km")),
        ("GEORADIUSBYMEMBER", "nokey", "nope", "x", "y", "STORE", "dst"),
        ("GEORADIUSBYMEMBER", "nokey", "nope", "x", "y"),
        ("GEORADIUS", "nokey", "1", "2", "3", "km"),
    ]
    assert_same(servers, cmds)


def test_search_errors(servers: dict[str, Server]) -> None:
    s = ("GEOSEARCH", "pts")
    assert_same(servers, [
        _places(20, 2, 2.3, 48.8, 0.2),
        (*s, "BYRADIUS", "1", "km"), (*s, "FROMLONLAT", "1", "2"),
        (*s, "FROMLONLAT", "1", "2", "FROMMEMBER", "p1", "BYRADIUS", "1", "km"),
        (*s, "FROMMEMBER", "p1", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km"),
        Newest((*s, "FROMMEMBER", "nope", "BYRADIUS", "1", "km")),
        (*s, "FROMLONLAT", "1", "100", "BYRADIUS", "1", "km"),
        (*s, "FROMLONLAT", "x", "1", "BYRADIUS", "1", "km"),
        (*s, "FROMLONLAT", "1", "2", "BYRADIUS", "x", "km"),
        (*s, "FROMLONLAT", "1", "2", "BYRADIUS", "-1", "km"),
        (*s, "FROMLONLAT", "1", "2", "BYRADIUS", "1", "yd"),
        (*s, "FROMLONLAT", "1", "2", "BYBOX", "1", "x", "km"),
        (*s, "FROMLONLAT", "1", "2", "BYBOX", "x", "1", "km"),
        (*s, "FROMLONLAT", "1", "2", "BYBOX", "1", "-1", "km"),
        (*s, "FROMLONLAT", "1", "2", "BYBOX", "1", "1", "km", "BYRADIUS", "1", "km"),
        (*s, "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "COUNT", "0"),
        (*s, "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "COUNT", "x"),
        (*s, "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "COUNT"),
        (*s, "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "ANY"),
        (*s, "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "STORE", "x"),
        (*s, "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "STOREDIST"),
        (*s, "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "BOGUS"),
        ("GEOSEARCHSTORE", "d", "pts", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km",
         "WITHDIST"),
        ("GEOSEARCHSTORE", "d", "pts", "BYRADIUS", "1", "km", "STOREDIST"),
        ("GEORADIUS", "pts", "1", "2", "1", "km", "WITHCOORD", "STORE", "x"),
        ("GEORADIUS", "pts", "1", "2", "1", "km", "STORE"),
        ("GEORADIUS", "pts", "1", "2", "1", "km", "FROMLONLAT", "1", "2"),
        ("GEORADIUS", "pts", "1", "200", "1", "km"), ("GEORADIUS", "pts", "1", "2", "x", "km"),
        ("GEORADIUS", "pts", "1", "2", "1", "parsec"),
        ("GEORADIUSBYMEMBER_RO", "pts", "p1", "1", "km", "STOREDIST", "x"),
        ("SET", "str", "x"), (*("GEOSEARCH", "str"), "FROMLONLAT", "1", "2", "BYRADIUS", "1",
                              "km"),
        ("GEORADIUS", "str", "1", "200", "1", "km"),
        ("GEOSEARCHSTORE", "d", "str", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", "nokey", "FROMMEMBER", "x"), ("GEOSEARCH", "k", "a", "b", "c", "d"),
    ])


def test_poles_and_antimeridian(servers: dict[str, Server]) -> None:
    cmds: list[tuple[str, ...]] = [
        ("GEOADD", "w", "179.99", "0", "east", "-179.99", "0", "west", "0", "84.9", "north",
         "100", "-84.9", "south", "0", "70", "arctic", "0", "0", "origin"),
    ]
    for lon, lat, radius in (("180", "0", "10"), ("-180", "0", "5"), ("0", "85", "500"),
                             ("120", "-84", "800"), ("0", "68", "3000"), ("0", "0", "0.1")):
        cmds += [("GEOSEARCH", "w", "FROMLONLAT", lon, lat, "BYRADIUS", radius, "km",
                  "WITHDIST", "WITHCOORD"),
                 ("GEOSEARCH", "w", "FROMLONLAT", lon, lat, "BYBOX", radius, radius, "km",
                  "ASC", "WITHHASH")]
    assert_same(servers, cmds)


_LON = st.floats(-180, 180, allow_nan=False)
_LAT = st.floats(-85.05112878, 85.05112878, allow_nan=False)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(points=st.lists(st.tuples(_LON, _LAT), min_size=1, max_size=60),
       center=st.tuples(_LON, _LAT), radius=st.floats(0, 3_000_000),
       box=st.tuples(st.floats(0, 4_000_000), st.floats(0, 4_000_000)),
       unit=st.sampled_from(["m", "km", "mi", "ft"]))
def test_random_points_and_searches(servers: dict[str, Server], points: list[tuple[float, float]],
                                    center: tuple[float, float], radius: float,
                                    box: tuple[float, float], unit: str) -> None:
    add: list[str] = ["GEOADD", "g"]
    for n, (lon, lat) in enumerate(points):
        add += [repr(lon), repr(lat), f"m{n}"]
    lon, lat = repr(center[0]), repr(center[1])
    members = [f"m{n}" for n in range(len(points))]
    assert_same(servers, [
        tuple(add), ("ZRANGE", "g", "0", "-1", "WITHSCORES"), ("GEOPOS", "g", *members),
        ("GEOHASH", "g", *members), ("GEODIST", "g", "m0", members[-1], unit),
        ("GEOSEARCH", "g", "FROMLONLAT", lon, lat, "BYRADIUS", repr(radius), "m",
         "WITHDIST", "WITHHASH", "WITHCOORD"),
        ("GEOSEARCH", "g", "FROMMEMBER", "m0", "BYBOX", repr(box[0]), repr(box[1]), unit,
         "ASC", "WITHDIST"),
        ("GEOSEARCH", "g", "FROMLONLAT", lon, lat, "BYBOX", repr(box[0]), repr(box[1]), "m",
         "COUNT", "3", "ANY"),
    ])


def test_geo_typed(r: redipy.Redis) -> None:
    assert r.geoadd("Sicily", [13.361389, 38.115556, "Palermo",
                               15.087269, 37.502669, "Catania"]) == 2
    dist = r.geodist("Sicily", "Palermo", "Catania", "km")
    assert dist is not None and abs(dist - 166.2742) < 1e-9
    assert r.geohash("Sicily", "Palermo", "nope") == ["sqc8b49rny0", None]
    pos = r.geopos("Sicily", "Palermo", "nope")
    assert pos[1] is None and pos[0] is not None and abs(pos[0][0] - 13.361389) < 1e-5
    assert r.geosearch("Sicily", longitude=15, latitude=37, radius=200, unit="km",
                       sort="ASC") == ["Catania", "Palermo"]
    near = r.geosearch("Sicily", member="Palermo", width=400, height=400, unit="km",
                       withdist=True, withhash=True, withcoord=True, sort="DESC")
    assert near[0][0] == "Catania" and isinstance(near[0][2], int)
    assert r.geosearchstore("out", "Sicily", longitude=15, latitude=37, radius=200,
                            unit="km", storedist=True) == 2
    assert r.georadius("Sicily", 15, 37, 100, "km") == ["Catania"]
    assert r.georadiusbymember("Sicily", "Palermo", 10, "km", withdist=True) == [
        ["Palermo", 0.0]]
    assert r.georadius("Sicily", 15, 37, 200, "km", store="st") == 2


def test_store_keys_get_the_prefix(server: Server) -> None:
    """The Redis backend prefixes the keys after STORE and STOREDIST (and the
    destination of GEOSEARCHSTORE) as it does the source key."""
    r = redipy.Redis(url=server.url, prefix="app")
    raw = redis_py.Redis(port=server.port, decode_responses=True)
    raw.flushall()
    r.geoadd("g", [13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania"])
    assert r.georadius("g", 15, 37, 200, "km", store="st", count=5) == 2
    assert r.georadiusbymember("g", "Palermo", 200, "km", store_dist="sd") == 2
    assert r.geosearchstore("gs", "g", member="Palermo", radius=10, unit="km") == 1
    assert sorted(raw.keys()) == ["app:g", "app:gs", "app:sd", "app:st"]
    assert r.zrange("sd", 0, -1) == ["Palermo", "Catania"]
    raw.close()


def test_geo_set_migrated_from_a_server_searches_the_same(servers: dict[str, Server]) -> None:
    """A geo set a server wrote, copied to memory by migration (a sorted set of
    geohash scores), answers searches as the server does, and copies back unchanged."""
    from redipy.migrate import migrate

    srv = servers["valkey9"]
    raw = redis_py.Redis(port=srv.port, decode_responses=True)
    raw.flushall()
    rng = random.Random(4)
    for i in range(200):
        raw.geoadd("g", [rng.uniform(2, 3), rng.uniform(48, 49), f"m{i}"])
    mem = redipy.Redis()
    assert not migrate(redipy.Redis(url=srv.url), mem).failed
    query = ("GEOSEARCH", "g", "FROMLONLAT", "2.5", "48.5", "BYRADIUS", "20", "km",
             "WITHDIST", "WITHCOORD", "WITHHASH")
    assert mem.execute_command(*query) == redipy.Redis(url=srv.url).execute_command(*query)
    assert mem.geodist("g", "m1", "m2") == float(raw.geodist("g", "m1", "m2") or 0)
    raw.rename("g", "orig")
    assert not migrate(mem, redipy.Redis(url=srv.url)).failed
    assert raw.zrange("g", 0, -1, withscores=True) == raw.zrange("orig", 0, -1,
                                                                 withscores=True)
    raw.close()


def test_count_cut_orders_ties_as_the_server(servers: dict[str, Server]) -> None:
    """COUNT below the number of matches sorts with the server's partial quicksort
    (pqsort), which is not stable: members at one distance come back in its order
    (7 members at one point, COUNT 1: the server answers m3, a stable sort m0)."""
    cmds: list[tuple[str, ...]] = []
    for n in (6, 7, 9, 12, 41, 50):
        cmds += [("DEL", "t"), ("GEOADD", "t", *(x for i in range(n)
                                                 for x in ("0", "0", f"m{i}")))]
        cmds += [("GEOADD", "t", "0.0001", "0", "far")] if n == 9 else []
        for count in ("1", "3", str(n - 1)):
            for order in ("ASC", "DESC"):
                cmds.append(("GEOSEARCH", "t", "FROMLONLAT", "0", "0", "BYRADIUS", "1",
                             "km", "COUNT", count, order, "WITHDIST"))
                cmds.append(("GEORADIUS", "t", "0", "0", "1", "km", "COUNT", count, order))
        cmds.append(("GEOSEARCH", "t", "FROMMEMBER", "m0", "BYBOX", "1", "1", "km",
                     "COUNT", "4"))
    assert_same(servers, cmds)
