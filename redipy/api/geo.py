"""Typed methods for the geo commands (see redipy/commands/geo.py), with redis-py's
names, argument order and reply shapes: distances as floats, hashes as ints,
coordinates as (longitude, latitude) tuples."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redipy.api.base import CommandsBase, enc, to_opt_float
from redipy.commands.build import geo_unit, geodist_args
from redipy.errors import DataError


def _to_positions(reply: Any) -> list[tuple[float, float] | None]:
    return [None if p is None else (float(p[0]), float(p[1])) for p in reply]


def _to_hashes(reply: Any) -> list[str | None]:
    return [None if h is None else str(h) for h in reply]


def _results(withdist: bool, withhash: bool, withcoord: bool) -> Any:
    """A converter for search replies: plain members, or [member, dist, hash, coords]
    with only the parts asked for (redis-py's parse_geosearch_generic)."""
    if not (withdist or withhash or withcoord):
        return lambda reply: list(reply)

    def conv(reply: Any) -> list[list[Any]]:
        out = []
        for item in reply:
            row: list[Any] = [item[0]]
            pos = 1
            if withdist:
                row.append(float(item[pos]))
                pos += 1
            if withhash:
                row.append(int(item[pos]))
                pos += 1
            if withcoord:
                row.append((float(item[pos][0]), float(item[pos][1])))
            out.append(row)
        return out
    return conv


def _options(sort: str | None, count: int | None, any: bool) -> list[str]:
    out: list[str] = []
    if any and count is None:
        raise DataError("any needs count")
    if count is not None:
        out += ["COUNT", enc(count)] + (["ANY"] if any else [])
    if sort is not None:
        if sort not in ("ASC", "DESC"):
            raise DataError(f"invalid sort {sort!r}: use ASC or DESC")
        out.append(sort)
    return out


def _with(withdist: bool, withcoord: bool, withhash: bool) -> list[str]:
    return ((["WITHDIST"] if withdist else []) + (["WITHCOORD"] if withcoord else [])
            + (["WITHHASH"] if withhash else []))


class GeoCommands(CommandsBase):
    """The geo commands."""

    def geoadd(self, name: str, values: Sequence[Any], nx: bool = False, xx: bool = False,
               ch: bool = False) -> int:
        """Add (longitude, latitude, member) triads given flat in ``values``."""
        if len(values) == 3 and not (nx or xx or ch):  # one place: the common call
            lon, lat, member = values
            return self._call(  # type: ignore[no-any-return]
                "GEOADD", name, repr(lon) if type(lon) is float else enc(lon),
                repr(lat) if type(lat) is float else enc(lat),
                member if type(member) is str else enc(member))  # (an int as it comes)
        if nx and xx:
            raise DataError("GEOADD takes nx or xx, not both")
        if len(values) % 3:
            raise DataError("GEOADD takes longitude, latitude, member triads")
        opts = (["NX"] if nx else []) + (["XX"] if xx else []) + (["CH"] if ch else [])
        return self._conv(int, "GEOADD", name, *opts, *[enc(v) for v in values])

    def geopos(self, name: str, *values: str) -> list[tuple[float, float] | None]:
        """(longitude, latitude) of each member, None for missing ones."""
        return self._conv(_to_positions, "GEOPOS", name, *values)

    def geodist(self, name: str, place1: str, place2: str,
                unit: str | None = None) -> float | None:
        """The distance between two members (meters unless ``unit``), None if missing."""
        return self._conv(to_opt_float, "GEODIST", name, *geodist_args(place1, place2, unit))

    def geohash(self, name: str, *values: str) -> list[str | None]:
        """The 11-character geohash of each member, None for missing ones."""
        return self._conv(_to_hashes, "GEOHASH", name, *values)

    def _shape(self, member: str | None, longitude: float | None, latitude: float | None,
               unit: str, radius: float | None, width: float | None,
               height: float | None,
               polygon: Sequence[tuple[float, float]] | None = None) -> list[str]:
        if polygon is not None:
            if not (member is None and longitude is None and latitude is None
                    and radius is None and width is None and height is None):
                raise DataError("polygon takes no member, position, radius or box")
            return ["BYPOLYGON", enc(len(polygon)),
                    *[enc(v) for vertex in polygon for v in vertex]]
        if (member is None) == (longitude is None or latitude is None):
            raise DataError("give member, or longitude and latitude")
        args = (["FROMMEMBER", member] if member is not None
                else ["FROMLONLAT", enc(longitude), enc(latitude)])
        if (radius is None) == (width is None or height is None):
            raise DataError("give radius, or width and height")
        if radius is not None:
            return [*args, "BYRADIUS", enc(radius), geo_unit(unit)]
        return [*args, "BYBOX", enc(width), enc(height), geo_unit(unit)]

    def geosearch(self, name: str, member: str | None = None,
                  longitude: float | None = None, latitude: float | None = None,
                  unit: str = "m", radius: float | None = None, width: float | None = None,
                  height: float | None = None, sort: str | None = None,
                  count: int | None = None, any: bool = False, withcoord: bool = False,
                  withdist: bool = False, withhash: bool = False,
                  polygon: Sequence[tuple[float, float]] | None = None) -> list[Any]:
        """Members inside a circle (``radius``) or box (``width``, ``height``) around a
        member or a position, or inside a ``polygon`` of (longitude, latitude) vertices
        (Valkey 9.0+; distances are then meters from the vertices' centre)."""
        args = self._shape(member, longitude, latitude, unit, radius, width, height,
                           polygon)
        args += _options(sort, count, any) + _with(withdist, withcoord, withhash)
        return self._conv(_results(withdist, withhash, withcoord), "GEOSEARCH", name, *args)

    def geosearchstore(self, dest: str, name: str, member: str | None = None,
                       longitude: float | None = None, latitude: float | None = None,
                       unit: str = "m", radius: float | None = None,
                       width: float | None = None, height: float | None = None,
                       sort: str | None = None, count: int | None = None, any: bool = False,
                       storedist: bool = False,
                       polygon: Sequence[tuple[float, float]] | None = None) -> int:
        """GEOSEARCH storing the members found in ``dest``; their number."""
        args = self._shape(member, longitude, latitude, unit, radius, width, height,
                           polygon)
        args += _options(sort, count, any) + (["STOREDIST"] if storedist else [])
        return self._conv(int, "GEOSEARCHSTORE", dest, name, *args)

    def _radius(self, command: str, head: list[str], unit: str | None, withdist: bool,
                withcoord: bool, withhash: bool, count: int | None, sort: str | None,
                store: str | None, store_dist: str | None, any: bool) -> Any:
        args = [*head, geo_unit(unit), *_with(withdist, withcoord, withhash),
                *_options(sort, count, any)]
        if store is not None and store_dist is not None:
            raise DataError("give store or store_dist, not both")
        if store is not None or store_dist is not None:
            args += (["STORE", store] if store is not None else ["STOREDIST", str(store_dist)])
            return self._conv(int, command, *args)
        return self._conv(_results(withdist, withhash, withcoord), command, *args)

    def georadius(self, name: str, longitude: float, latitude: float, radius: float,
                  unit: str | None = None, withdist: bool = False, withcoord: bool = False,
                  withhash: bool = False, count: int | None = None, sort: str | None = None,
                  store: str | None = None, store_dist: str | None = None,
                  any: bool = False) -> Any:
        """Members within ``radius`` of a position (a list, or the number stored)."""
        return self._radius("GEORADIUS", [name, enc(longitude), enc(latitude), enc(radius)],
                            unit, withdist, withcoord, withhash, count, sort, store,
                            store_dist, any)

    def georadiusbymember(self, name: str, member: str, radius: float,
                          unit: str | None = None, withdist: bool = False,
                          withcoord: bool = False, withhash: bool = False,
                          count: int | None = None, sort: str | None = None,
                          store: str | None = None, store_dist: str | None = None,
                          any: bool = False) -> Any:
        """Members within ``radius`` of a member (a list, or the number stored)."""
        return self._radius("GEORADIUSBYMEMBER", [name, member, enc(radius)], unit,
                            withdist, withcoord, withhash, count, sort, store, store_dist,
                            any)
