"""GEOSEARCH / GEOSEARCHSTORE ... BYPOLYGON (Valkey 9.0+) on the memory backend against
Valkey 9.1: the parsing and every error, which members fall inside (vertices, edges,
points on the boundary), the distance it reports (from the vertices' mean on the
sphere), the order of unsorted replies and COUNT ANY, STORE and STOREDIST, and random
polygons and points. Valkey 8.1 and Redis 7.0 have no BYPOLYGON (a syntax error there),
so only the servers of version 9 and later are compared."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import redipy
from tests.parity import assert_same, is_newest
from tests.servers import Server

SICILY = ("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
          "Catania", "14.0", "38.0", "mid")
SQUARE = ("BYPOLYGON", "4", "13", "37", "16", "37", "16", "39", "13", "39")
WITH = ("WITHDIST", "WITHHASH", "WITHCOORD")


def newest(servers: dict[str, Server]) -> dict[str, Server]:
    """The servers that have BYPOLYGON (Valkey 9.0 and later)."""
    found = {kind: srv for kind, srv in servers.items() if is_newest(srv)}
    assert found, "no Valkey 9 test server"
    return found


def test_polygon_search_replies(servers: dict[str, Server]) -> None:
    s = ("GEOSEARCH", "g")
    assert_same(newest(servers), [
        SICILY, (*s, *SQUARE), (*s, *SQUARE, *WITH), (*s, *SQUARE, *WITH, "ASC"),
        (*s, *SQUARE, "DESC", "WITHDIST"), (*s, *SQUARE, "COUNT", "1"),
        (*s, *SQUARE, "COUNT", "2", "ANY"), (*s, *SQUARE, "COUNT", "1", "ANY", "DESC"),
        (*s, *SQUARE, "WITHDIST", "COUNT", "2", "DESC"),
        (*s, "bypolygon", "3", "13", "37", "16", "37", "16", "39", "withdist"),
        (*s, *SQUARE, *SQUARE), (*s, "BYPOLYGON", "3", "0", "0", "0", "0", "0", "0"),
        (*s, "BYPOLYGON", "3", "-180", "-85.05112878", "180", "-85.05112878", "0",
         "85.05112878", "WITHDIST"),
        ("GEOSEARCH", "nokey", *SQUARE),
        ("GEOSEARCHSTORE", "d", "g", *SQUARE), ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("GEOSEARCHSTORE", "d", "g", *SQUARE, "STOREDIST"),
        ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("GEOSEARCHSTORE", "d", "g", *SQUARE, "STOREDIST", "COUNT", "2", "DESC"),
        ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("GEOSEARCHSTORE", "d", "g", "BYPOLYGON", "3", "1", "1", "2", "2", "3", "3"),
        ("EXISTS", "d"), ("SET", "d", "x"), ("GEOSEARCHSTORE", "d", "nokey", *SQUARE),
        ("EXISTS", "d"),
    ])


def test_polygon_errors(servers: dict[str, Server]) -> None:
    s = ("GEOSEARCH", "g")
    tri = ("1", "1", "2", "2", "3", "3")
    assert_same(newest(servers), [
        SICILY,
        (*s, *SQUARE, "FROMLONLAT", "1", "2"), (*s, "FROMLONLAT", "1", "2", *SQUARE),
        (*s, "FROMMEMBER", "mid", *SQUARE), (*s, *SQUARE, "FROMMEMBER", "nope"),
        (*s, "FROMMEMBER", "nope", *SQUARE), (*s, *SQUARE, "BYRADIUS", "1", "km"),
        (*s, "BYRADIUS", "1", "km", *SQUARE), (*s, "BYBOX", "1", "1", "km", *SQUARE),
        (*s, *SQUARE, "BYBOX", "x", "1", "km"), (*s, *SQUARE, "km"),
        (*s, "BYPOLYGON", "2", "1", "1", "2", "2"), (*s, "BYPOLYGON", "3", "1", "1", "2", "2"),
        (*s, "BYPOLYGON", "3", "1", "1", "2", "2", "3"), (*s, "BYPOLYGON", "-1", *tri),
        (*s, "BYPOLYGON", "0", *tri), (*s, "BYPOLYGON", "x", *tri),
        (*s, "BYPOLYGON", "99999999999", *tri), (*s, "BYPOLYGON", "2147483648", *tri),
        (*s, "BYPOLYGON", "-2147483649", *tri), (*s, "BYPOLYGON", "2147483647", *tri),
        (*s, "BYPOLYGON", "+3", *tri), (*s, "BYPOLYGON", "03", *tri),
        (*s, "BYPOLYGON", "3.0", *tri), (*s, "BYPOLYGON", " 3", *tri),
        (*s, "BYPOLYGON", "3", "1", "1", "2", "2", "3", "91"),
        (*s, "BYPOLYGON", "3", "1", "1", "2", "2", "181", "3"),
        (*s, "BYPOLYGON", "3", "1", "1", "2", "2", "3", "x"),
        (*s, "BYPOLYGON", "3", "nan", "1", "2", "2", "3", "3"),
        (*s, "BYPOLYGON", "4", "1", "1", "2", "2", "3", "x", "y"),
        (*s, "BYPOLYGON", "4", "1", "1", "2", "2", "3", "x", "y", "z"),
        (*s, "BYPOLYGON", "3", *tri, "4", "4"), (*s, "BYPOLYGON", "3", *tri, "4"),
        (*s, "BYPOLYGON", "3", *tri, "ASC"), (*s, "BYPOLYGON", "3", *tri, "COUNT"),
        (*s, "WITHDIST", "WITHDIST", "WITHDIST", "BYPOLYGON", "3"),
        (*s, "WITHDIST", "WITHDIST", "WITHDIST", "BYPOLYGON", "3", "1"),
        (*s, "WITHDIST", "WITHDIST", "BYPOLYGON", "x", "1"),
        (*s, "BYPOLYGON", "3", "13", "37", "16", "37", "16", "39", "BYPOLYGON", "3", "1", "1",
         "2", "2", "3", "x"),
        (*s, *SQUARE, "ANY"), (*s, *SQUARE, "COUNT", "0"), (*s, *SQUARE, "ANY", "WITHDIST"),
        ("GEOSEARCH", "nokey", "BYPOLYGON", "3", "1", "1", "2", "2", "3", "300"),
        ("GEOSEARCHSTORE", "d", "g", *SQUARE, "WITHDIST"),
        ("GEOSEARCHSTORE", "d", "g", *SQUARE, "STORE", "x"),
        ("GEOSEARCHSTORE", "d", "g", "BYPOLYGON", "2", "1", "1", "2", "2"),
        ("GEORADIUS", "g", "1", "2", "3", "km", *SQUARE),
        ("GEORADIUSBYMEMBER", "g", "mid", "3", "km", *SQUARE),
        # the shape errors name BYPOLYGON now (Valkey 8.1, Redis 7.0: "BYRADIUS and BYBOX")
        (*s, "FROMLONLAT", "1", "2", "ASC", "ASC"), (*s, "BYRADIUS", "1", "km", "ASC", "ASC"),
        (*s, "ASC", "ASC", "ASC", "ASC", "ASC"),
        ("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "1", "2", "ASC", "ASC"),
        ("SET", "str", "x"), ("GEOSEARCH", "str", *SQUARE),
        ("GEOSEARCH", "str", "BYPOLYGON", "2", "1", "1", "2", "2"),
    ])


def _positions(cmds: list[tuple[str, ...]], count: int) -> list[tuple[str, str]]:
    """The members' stored positions (GEOPOS's texts read back exactly): vertices and
    edges through them put members right on a polygon's boundary."""
    mem = redipy.Redis()
    for cmd in cmds:
        mem.execute_command(*cmd)
    reply = mem.execute_command("GEOPOS", "b", *[f"m{i}" for i in range(count)])
    return [(str(p[0]), str(p[1])) for p in reply]


def test_members_on_the_boundary(servers: dict[str, Server]) -> None:
    """Members at the vertices, on horizontal and vertical edges and on slanted ones:
    in or out as the server's crossing test decides, not as geometry would."""
    rng = random.Random(7)
    add = ["GEOADD", "b"]
    for i in range(40):
        add += [f"{rng.uniform(2.0, 2.2):.6f}", f"{rng.uniform(48.8, 49.0):.6f}", f"m{i}"]
    grid = [("GEOADD", "b", f"{2.0 + x * 0.05:.2f}", f"{48.8 + y * 0.05:.2f}", f"g{x}{y}")
            for x in range(5) for y in range(5)]
    setup: list[tuple[str, ...]] = [tuple(add), *grid]
    pos = _positions(setup, 40)
    cmds: list[tuple[str, ...]] = list(setup)
    for a, b, c, d in ((0, 1, 2, 3), (4, 5, 6, 7), (8, 9, 10, 11), (12, 13, 14, 15)):
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = pos[a], pos[b], pos[c], pos[d]
        polys = [
            (ax, ay, bx, by, cx, cy), (ax, ay, bx, by, cx, cy, dx, dy),
            (ax, ay, bx, ay, bx, by, ax, by),  # an axis-aligned box through two members
            (ax, ay, cx, ay, cx, cy), (dx, dy, ax, dy, ax, ay, dx, ay),
        ]
        for poly in polys:
            n = str(len(poly) // 2)
            cmds += [("GEOSEARCH", "b", "BYPOLYGON", n, *poly, *WITH),
                     ("GEOSEARCH", "b", "BYPOLYGON", n, *poly, "ASC", "WITHDIST")]
    # the grid's boxes: members on every side and corner
    for box in (("2", "48.8", "2.1", "48.8", "2.1", "48.9", "2", "48.9"),
                ("2.05", "48.85", "2.15", "48.85", "2.15", "48.95", "2.05", "48.95"),
                ("2.1", "48.8", "2.2", "48.9", "2.1", "49", "2", "48.9")):
        cmds.append(("GEOSEARCH", "b", "BYPOLYGON", "4", *box, "WITHCOORD", "ASC"))
    assert_same(newest(servers), cmds)


def _coord(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(points=st.lists(st.tuples(_coord(-1, 1), _coord(-1, 1)), min_size=1, max_size=60),
       polygon=st.lists(st.tuples(_coord(-1, 1), _coord(-1, 1)), min_size=3, max_size=9),
       center=st.tuples(_coord(-178, 178), _coord(-83, 83)),
       spread=st.sampled_from([0.001, 0.1, 1.0, 5.0, 40.0]),
       count=st.integers(1, 5), on_vertex=st.booleans())
def test_random_polygons_and_points(servers: dict[str, Server],
                                    points: list[tuple[float, float]],
                                    polygon: list[tuple[float, float]],
                                    center: tuple[float, float], spread: float, count: int,
                                    on_vertex: bool) -> None:
    """Random (also self-crossing) polygons over random points, at every scale from a
    few metres to thousands of kilometres: the same members, order, distances, hashes
    and coordinates, and the same stored sets."""
    lon0, lat0 = center

    def place(dx: float, dy: float) -> tuple[str, str]:
        lon = min(max(lon0 + dx * spread, -180.0), 180.0)
        lat = min(max(lat0 + dy * spread, -85.05112878), 85.05112878)
        return repr(lon), repr(lat)

    add = ["GEOADD", "r"]
    for n, (dx, dy) in enumerate(points):
        add += [*place(dx, dy), f"m{n}"]
    vertices = [v for dx, dy in polygon for v in place(dx, dy)]
    if on_vertex:  # a vertex right on a member's stored position
        mem = redipy.Redis()
        mem.execute_command(*add)
        lon, lat = mem.execute_command("GEOPOS", "r", "m0")[0]
        vertices[:2] = [str(lon), str(lat)]
    poly = ("BYPOLYGON", str(len(polygon)), *vertices)
    assert_same(newest(servers), [
        tuple(add), ("GEOSEARCH", "r", *poly, *WITH),
        ("GEOSEARCH", "r", *poly, "ASC", "WITHDIST"),
        ("GEOSEARCH", "r", *poly, "COUNT", str(count), "ANY", "WITHHASH"),
        ("GEOSEARCH", "r", *poly, "COUNT", str(count), "DESC"),
        ("GEOSEARCHSTORE", "d", "r", *poly, "STOREDIST"),
        ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
        ("GEOSEARCHSTORE", "d", "r", *poly), ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
    ])


def test_polygon_typed(servers: dict[str, Server]) -> None:
    """``polygon=`` of geosearch and geosearchstore, on memory and on Valkey 9.1."""
    import pytest

    from redipy.errors import DataError

    for srv in [None, *newest(servers).values()]:
        r = redipy.Redis() if srv is None else redipy.Redis(url=srv.url)
        r.flushall()
        r.geoadd("Sicily", [13.361389, 38.115556, "Palermo", 15.087269, 37.502669,
                            "Catania"])
        square = [(13, 37), (16, 37), (16, 39), (13, 39)]
        assert r.geosearch("Sicily", polygon=square, sort="ASC") == ["Catania", "Palermo"]
        near = r.geosearch("Sicily", polygon=square, withdist=True, withcoord=True,
                           count=1)
        assert near[0][0] == "Catania" and near[0][1] == 76454.0837
        assert r.geosearch("Sicily", polygon=[(13, 37), (14, 37), (13, 39)]) == ["Palermo"]
        assert r.geosearchstore("out", "Sicily", polygon=square, storedist=True) == 2
        with pytest.raises(DataError):
            r.geosearch("Sicily", polygon=square, radius=10)
        r.close()


def test_older_servers_lack_bypolygon(servers: dict[str, Server]) -> None:
    """What Valkey 8.1 and Redis 7.0 answer instead (README's table of differences):
    BYPOLYGON is a syntax error, and the no-shape error names BYRADIUS and BYBOX."""
    import redis as redis_py

    older = {kind: srv for kind, srv in servers.items() if not is_newest(srv)}
    assert older, "no Valkey 8.1 or Redis 7.0 test server"
    for srv in older.values():
        raw = redis_py.Redis(port=srv.port, decode_responses=True)
        raw.flushall()
        raw.execute_command(*SICILY)
        for cmd, error in (
                (("GEOSEARCH", "g", *SQUARE), "syntax error"),
                (("GEOSEARCHSTORE", "d", "g", *SQUARE), "syntax error"),
                (("GEOSEARCH", "g", "FROMLONLAT", "1", "2", "ASC", "ASC"),
                 "exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH")):
            try:
                raw.execute_command(*cmd)
            except redis_py.ResponseError as err:
                assert str(err) == error, (srv.version(), cmd)
            else:
                raise AssertionError((srv.version(), cmd))
        raw.close()
