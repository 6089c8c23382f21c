"""Memory backend handlers: the geo commands (geo.c) over sorted sets.

GEOADD turns positions into 52-bit geohash scores and hands the rest to ZADD, as the
server does; the searches scan the nine boxes of :func:`geohash.search_boxes` in the
server's order, keep what lies inside the shape, then sort by distance: stably for a
whole reply (the server's qsort is glibc's merge sort), with the server's partial
quicksort when COUNT cuts it, so replies match member for member, ties included.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redipy.errors import ResponseError
from redipy.memory import geohash
from redipy.memory.cmd_zsets import _store, _zadd, _zadd_one, _zset
from redipy.memory.db import Database
from redipy.memory.numbers import NOT_FLOAT, NOT_INT, parse_double, parse_int
from redipy.memory.registry import command
from redipy.memory.structs import RZSet
from redipy.reply import Double

SYNTAX = "ERR syntax error"
BAD_UNIT = "ERR unsupported unit provided. please use M, KM, FT, MI"
_UNITS = {"m": 1.0, "km": 1000.0, "ft": 0.3048, "mi": 1609.34}


def _double(text: str, error: str = NOT_FLOAT) -> float:
    val = parse_double(text)
    if val is None:
        raise ResponseError(error)
    return val


def _lonlat(lon_text: str, lat_text: str) -> tuple[float, float]:
    """extractLongLatOrReply."""
    lon, lat = _double(lon_text), _double(lat_text)
    if (lon < geohash.LON_MIN or lon > geohash.LON_MAX or lat < geohash.LAT_MIN
            or lat > geohash.LAT_MAX):
        raise ResponseError(f"ERR invalid longitude,latitude pair {lon:f},{lat:f}")
    return lon, lat


def _no_member(member: str) -> ResponseError:
    """Valkey 9's words (Valkey 8.1 and Redis 7.0: "could not decode requested zset
    member")."""
    return ResponseError(f"ERR member {member} does not exist")


def _unit(text: str) -> float:
    found = _UNITS.get(text.lower())
    if found is None:
        raise ResponseError(BAD_UNIT)
    return found


def _distance(value: str, unit: str) -> tuple[float, float]:
    """extractDistanceOrReply: (radius, conversion)."""
    radius = _double(value, "ERR need numeric radius")
    if radius < 0:
        raise ResponseError("ERR radius cannot be negative")
    return radius, _unit(unit)


_LAT_LO = geohash._SPREAD13
_LAT_HI = [bits << 26 for bits in geohash._SPREAD13]
_LON_LO = [bits << 1 for bits in geohash._SPREAD13]
_LON_HI = [bits << 27 for bits in geohash._SPREAD13]
"""geohash._SPREAD13 shifted to where each 13-bit half of an offset lands in the score."""


@command("GEOADD")
def cmd_geoadd(db: Database, args: Sequence[str], _plain: str = "0123456789.-+",
               _lat_lo: list[int] = _LAT_LO, _lat_hi: list[int] = _LAT_HI,
               _lon_lo: list[int] = _LON_LO, _lon_hi: list[int] = _LON_HI,
               _lat_min: float = geohash.LAT_MIN,
               _lat_span: float = geohash._LAT_SPAN, _lon_min: float = geohash.LON_MIN,
               _lon_span: float = geohash._LON_SPAN, _steps: float = float(geohash._STEPS26),
               _add: Any = _zadd_one) -> Any:
    if len(args) == 4:  # one member, no options (the helpers bound as defaults)
        lon_text = args[1]
        lat_text = args[2]
        both = lon_text + lat_text
        if len(both) < 40 and not both.strip(_plain):
            # only digits, dots and signs, too short to underflow: float() reads them
            # as strtod does, or refuses them (then the checked path gives the error)
            try:
                lon = float(lon_text)
                lat = float(lat_text)
            except ValueError:
                lon, lat = _lonlat(lon_text, lat_text)
            if -180.0 <= lon <= 180.0 and -85.05112878 <= lat <= 85.05112878:
                # geohash.score_of inlined: both offsets are >= 0 here, 2**26 only at
                # the ranges' ends (then score_of's own path)
                lat_off = int((lat - _lat_min) / _lat_span * _steps)
                lon_off = int((lon - _lon_min) / _lon_span * _steps)
                if (lat_off | lon_off) >> 26:
                    return _add(db, args[0], float(geohash.score_of(lon, lat)), args[3])
                return _add(db, args[0], float(
                    _lat_lo[lat_off & 0x1FFF] | _lat_hi[lat_off >> 13]
                    | _lon_lo[lon_off & 0x1FFF] | _lon_hi[lon_off >> 13]), args[3])
            lon, lat = _lonlat(lon_text, lat_text)  # raises the server's error
        if lon_text[:1] in _NUMBER_START:
            lon, lat = _lonlat(lon_text, lat_text)
            return _zadd_one(db, args[0], float(geohash.score_of(lon, lat)), args[3])
    pos = 1
    nx = xx = False
    while pos < len(args):
        opt = args[pos].lower()
        if opt == "nx":
            nx = True
        elif opt == "xx":
            xx = True
        elif opt != "ch":
            break
        pos += 1
    if (len(args) - pos) % 3 or (nx and xx):
        raise ResponseError(SYNTAX)
    zargs = list(args[:pos])
    for at in range(pos, len(args), 3):
        lon, lat = _lonlat(args[at], args[at + 1])
        zargs += [str(geohash.score_of(lon, lat)), args[at + 2]]
    return _zadd(db, zargs, False)


_NUMBER_START = frozenset("0123456789-+.")
"""How a longitude can start (no option word does)."""



def _position(zs: RZSet | None, member: str) -> tuple[float, float] | None:
    if zs is None:
        return None
    score = zs.scores.get(member)
    return None if score is None else geohash.decode_score(score)


@command("GEOPOS")
def cmd_geopos(db: Database, args: Sequence[str]) -> Any:
    zs = _zset(db, args[0])
    out: list[Any] = []
    for member in args[1:]:
        found = _position(zs, member)
        out.append(None if found is None else [Double(geohash.format_coord(found[0])),
                                               Double(geohash.format_coord(found[1]))])
    return out


@command("GEOHASH")
def cmd_geohash(db: Database, args: Sequence[str]) -> Any:
    zs = _zset(db, args[0])
    out: list[str | None] = []
    for member in args[1:]:
        score = None if zs is None else zs.scores.get(member)
        out.append(None if score is None else geohash.standard_hash(score))
    return out


@command("GEODIST")
def cmd_geodist(db: Database, args: Sequence[str]) -> Any:
    to_meter = 1.0
    if len(args) == 4:
        to_meter = _unit(args[3])
    elif len(args) > 4:
        raise ResponseError(SYNTAX)
    zs = _zset(db, args[0])
    if zs is None:
        return None
    one, two = _position(zs, args[1]), _position(zs, args[2])
    if one is None or two is None:
        return None
    return geohash.format_distance(geohash.distance(*one, *two) / to_meter)


# ---- searches ------------------------------------------------------------------------------

_COORDS, _MEMBER, _NOSTORE, _SEARCH, _SEARCHSTORE = 1, 2, 4, 8, 16


def _search(db: Database, args: Sequence[str], name: str, flags: int) -> Any:
    """georadiusGeneric, checks in the server's order."""
    src = 1 if flags & _SEARCHSTORE else 0
    zs = _zset(db, args[src])
    shape = geohash.Shape()
    storekey: str | None = None
    if flags & _COORDS:
        base = 5
        shape.lon, shape.lat = _lonlat(args[1], args[2])
        shape.radius, shape.conversion = _distance(args[3], args[4])
    elif flags & _MEMBER:
        base = 4
        if zs is not None:
            found = _position(zs, args[1])
            if found is None:
                raise _no_member(args[1])
            shape.lon, shape.lat = found
            shape.radius, shape.conversion = _distance(args[2], args[3])
    else:
        base = 1
        if flags & _SEARCHSTORE:
            base = 2
            storekey = args[0]
    withdist = withhash = withcoord = any_ = False
    frommember = fromloc = byradius = bybox = bypolygon = False
    storedist = False
    sort = 0  # 0 none, 1 asc, 2 desc
    count = 0
    opts = args[base:]
    remaining = len(opts)
    i = 0
    while i < remaining:
        arg = opts[i].lower()
        if arg == "withdist":
            withdist = True
        elif arg == "withhash":
            withhash = True
        elif arg == "withcoord":
            withcoord = True
        elif arg == "any":
            any_ = True
        elif arg == "asc":
            sort = 1
        elif arg == "desc":
            sort = 2
        elif arg == "count" and i + 1 < remaining:
            parsed = parse_int(opts[i + 1])
            if parsed is None:
                raise ResponseError(NOT_INT)
            if parsed <= 0:
                raise ResponseError("ERR COUNT must be > 0")
            count = parsed
            i += 1
        elif (arg in ("store", "storedist") and i + 1 < remaining
              and not flags & (_NOSTORE | _SEARCH)):
            storekey = opts[i + 1]
            storedist = arg == "storedist"
            i += 1
        elif arg == "storedist" and flags & _SEARCH and flags & _SEARCHSTORE:
            storedist = True
        elif (arg == "frommember" and i + 1 < remaining and flags & _SEARCH and not fromloc
              and not bypolygon):
            if zs is not None:
                found = _position(zs, opts[i + 1])
                if found is None:
                    raise _no_member(opts[i + 1])
                shape.lon, shape.lat = found
            frommember = True
            i += 1
        elif (arg == "fromlonlat" and i + 2 < remaining and flags & _SEARCH and not frommember
              and not bypolygon):
            shape.lon, shape.lat = _lonlat(opts[i + 1], opts[i + 2])
            fromloc = True
            i += 2
        elif (arg == "byradius" and i + 2 < remaining and flags & _SEARCH and not bybox
              and not bypolygon):
            shape.radius, shape.conversion = _distance(opts[i + 1], opts[i + 2])
            shape.box = False
            byradius = True
            i += 2
        elif (arg == "bybox" and i + 3 < remaining and flags & _SEARCH and not byradius
              and not bypolygon):
            width = _double(opts[i + 1], "ERR need numeric width")
            height = _double(opts[i + 2], "ERR need numeric height")
            if height < 0 or width < 0:
                raise ResponseError("ERR height or width cannot be negative")
            shape.conversion = _unit(opts[i + 3])
            shape.width, shape.height, shape.box = width, height, True
            bybox = True
            i += 3
        elif (arg == "bypolygon" and i + 2 < remaining and flags & _SEARCH
              and not (frommember or fromloc or byradius or bybox)):
            shape.set_polygon(_polygon(opts, i + 1))
            bypolygon = True
            i += 1 + 2 * len(shape.polygon)
        else:
            raise ResponseError(SYNTAX)
        i += 1
    if storekey is not None and (withdist or withhash or withcoord):
        what = "GEOSEARCHSTORE" if flags & _SEARCHSTORE else "STORE option in GEORADIUS"
        raise ResponseError(
            f"ERR {what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
    if flags & _SEARCH and not (frommember or fromloc or bypolygon):
        raise ResponseError(
            f"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}")
    if flags & _SEARCH and not (byradius or bybox or bypolygon):
        raise ResponseError(  # Valkey 8.1 and Redis 7.0: "of BYRADIUS and BYBOX"
            f"ERR exactly one of BYRADIUS, BYBOX and BYPOLYGON can be specified for {name}")
    if any_ and not count:
        raise ResponseError("ERR the ANY argument requires COUNT argument")
    if zs is None:
        if storekey is not None:
            db.delete(storekey)
            return 0
        return []
    if count and not sort and not any_:
        sort = 1
    found_points = _points(zs, shape, count if any_ else 0)
    if not found_points and storekey is None:
        return []
    if sort and count and count < len(found_points):
        _pqsort(found_points, sort == 2, count - 1)
        del found_points[count:]
    elif sort:
        found_points.sort(key=lambda point: point[3], reverse=sort == 2)
    elif count:
        del found_points[count:]
    conv = shape.conversion
    if storekey is None:
        out: list[Any] = []
        for score, member, (lon, lat), dist in found_points:
            if not (withdist or withhash or withcoord):
                out.append(member)
                continue
            item: list[Any] = [member]
            if withdist:
                item.append(geohash.format_distance(dist / conv))
            if withhash:
                item.append(int(score))
            if withcoord:
                item.append([Double(geohash.format_coord(lon)),
                             Double(geohash.format_coord(lat))])
            out.append(item)
        return out
    entries = sorted((dist / conv if storedist else score, member)
                     for score, member, _, dist in found_points)
    return _store(db, storekey, entries)


def _polygon(opts: Sequence[str], at: int) -> tuple[tuple[float, float], ...]:
    """BYPOLYGON's ``num-vertices lon lat ...`` from ``opts[at]`` (Valkey 9.0+): the
    count is a 32-bit integer, at least 3 and no more than the pairs that follow."""
    count = parse_int(opts[at])
    if count is None or not -(1 << 31) <= count < 1 << 31:
        raise ResponseError("ERR invalid number of vertices")
    if count > (len(opts) - at - 1) // 2 or count < 3:
        raise ResponseError("ERR GEOSEARCH BYPOLYGON must have at least 3 vertices")
    return tuple(_lonlat(opts[at + 1 + 2 * k], opts[at + 2 + 2 * k]) for k in range(count))


Point = tuple[float, str, tuple[float, float], float]


def _points(zs: RZSet, shape: geohash.Shape, limit: int) -> list[Point]:
    """membersOfAllNeighbors: the members inside the shape, box by box."""
    out: list[Point] = []
    for low, high in geohash.search_boxes(shape):
        if out and limit and len(out) >= limit:
            break
        for score, member in zs.order.irange((low,), (high,), inclusive=(True, False)):
            inside = shape.contains(score)
            if inside is not None:
                out.append((score, member, (inside[0], inside[1]), inside[2]))
            if out and limit and len(out) >= limit:
                break
    return out


@command("GEORADIUS")
def cmd_georadius(db: Database, args: Sequence[str]) -> Any:
    return _search(db, args, "GEORADIUS", _COORDS)


@command("GEORADIUS_RO")
def cmd_georadius_ro(db: Database, args: Sequence[str]) -> Any:
    return _search(db, args, "GEORADIUS_RO", _COORDS | _NOSTORE)


@command("GEORADIUSBYMEMBER")
def cmd_georadiusbymember(db: Database, args: Sequence[str]) -> Any:
    return _search(db, args, "GEORADIUSBYMEMBER", _MEMBER)


@command("GEORADIUSBYMEMBER_RO")
def cmd_georadiusbymember_ro(db: Database, args: Sequence[str]) -> Any:
    return _search(db, args, "GEORADIUSBYMEMBER_RO", _MEMBER | _NOSTORE)


@command("GEOSEARCH")
def cmd_geosearch(db: Database, args: Sequence[str]) -> Any:
    return _search(db, args, "GEOSEARCH", _SEARCH)


@command("GEOSEARCHSTORE")
def cmd_geosearchstore(db: Database, args: Sequence[str]) -> Any:
    return _search(db, args, "GEOSEARCHSTORE", _SEARCH | _SEARCHSTORE)


def _pqsort(items: list[Any], desc: bool, last: int) -> None:
    """Order ``items[0..last]`` by distance (``item[3]``) as the server's ``pqsort`` does
    when COUNT cuts a sorted reply: Bentley and McIlroy's quicksort, recursing only into
    the parts that overlap the kept range. It is not stable, so members at equal
    distances come out in the server's order only if the same swaps are made; the full
    sort without a cut is glibc's stable merge sort (``list.sort``)."""

    def cmp(i: int, j: int) -> int:
        a: float = items[i][3]
        b: float = items[j][3]
        res = (a > b) - (a < b)
        return -res if desc else res

    def swap(i: int, j: int) -> None:
        items[i], items[j] = items[j], items[i]

    def vecswap(i: int, j: int, n: int) -> None:
        for k in range(n):
            swap(i + k, j + k)

    def med3(a: int, b: int, c: int) -> int:
        if cmp(a, b) < 0:
            return b if cmp(b, c) < 0 else (c if cmp(a, c) < 0 else a)
        return b if cmp(b, c) > 0 else (a if cmp(a, c) < 0 else c)

    def run(a: int, n: int) -> None:
        while True:
            if n < 7:  # insertion sort
                for m in range(a + 1, a + n):
                    pl = m
                    while pl > a and cmp(pl - 1, pl) > 0:
                        swap(pl, pl - 1)
                        pl -= 1
                return
            pm = a + n // 2
            if n > 7:
                pl, pn = a, a + n - 1
                if n > 40:
                    d = n // 8
                    pl = med3(pl, pl + d, pl + 2 * d)
                    pm = med3(pm - d, pm, pm + d)
                    pn = med3(pn - 2 * d, pn - d, pn)
                pm = med3(pl, pm, pn)
            swap(a, pm)
            pa = pb = a + 1
            pc = pd = a + n - 1
            while True:
                while pb <= pc:
                    res = cmp(pb, a)
                    if res > 0:
                        break
                    if res == 0:
                        swap(pa, pb)
                        pa += 1
                    pb += 1
                while pb <= pc:
                    res = cmp(pc, a)
                    if res < 0:
                        break
                    if res == 0:
                        swap(pc, pd)
                        pd -= 1
                    pc -= 1
                if pb > pc:
                    break
                swap(pb, pc)
                pb += 1
                pc -= 1
            pn = a + n
            r = min(pa - a, pb - pa)
            vecswap(a, pb - r, r)
            r = min(pd - pc, pn - pd - 1)
            vecswap(pb, pn - r, r)
            r = pb - pa
            if r > 1 and a <= last:  # the left part holds some of 0..last
                run(a, r)
            r = pd - pc
            if r <= 1:
                return
            a, n = pn - r, r
            if a > last:  # the right part lies wholly past the kept range
                return

    run(0, len(items))
