"""Command table: the geo commands (sorted sets whose scores are 52-bit geohashes)."""

from __future__ import annotations

from redipy.commands.spec import CommandSpec, KeyOption, KeyRange, KeySpec

_ONE = (KeyRange(1),)
_R = frozenset({"readonly"})
_W = frozenset({"write", "denyoom"})
_UNIT = "<M | KM | FT | MI>"
_SHAPE = f"<BYRADIUS radius {_UNIT} | BYBOX width height {_UNIT}>"
_POLYGON = "BYPOLYGON num-vertices longitude latitude [longitude latitude ...]"
"""Valkey 9.0+ (the vertices are the area; no FROMMEMBER or FROMLONLAT with it)."""
_FROM = "<FROMMEMBER member | FROMLONLAT longitude latitude>"
_WITH = "[WITHCOORD] [WITHDIST] [WITHHASH]"
_AREA = ("O(N+log(M)) where N is the number of members in the geohash boxes around the "
         "area and M the number of members inside it")
_RADIUS_OPTS = f"{_WITH} [COUNT count [ANY]] [ASC | DESC]"
_STORE = "[STORE storekey | STOREDIST storedistkey]"
_TAKES = (("COUNT", 1), ("STORE", 1), ("STOREDIST", 1))


def _stored(first_option: int) -> tuple[KeySpec, ...]:
    """The source key, and the key after STORE or STOREDIST (options from
    ``first_option``), so the Redis backend prefixes it too."""
    return (KeyRange(1), KeyOption("STORE", first_option, _TAKES),
            KeyOption("STOREDIST", first_option, _TAKES))


def _g(name: str, arity: int, summary: str, complexity: str, syntax: str, since: str,
       flags: frozenset[str], *, keys: tuple[KeySpec, ...] = _ONE) -> CommandSpec:
    return CommandSpec(name=name, group="geo", arity=arity, summary=summary,
                       complexity=complexity, syntax=syntax, since=since, keys=keys,
                       flags=flags)


COMMANDS: tuple[CommandSpec, ...] = (
    _g("GEOADD", -5, "Add members at longitude/latitude positions to a geo set (a sorted "
       "set scored by geohash).", "O(log(N)) for each member added",
       "GEOADD key [NX | XX] [CH] longitude latitude member "
       "[longitude latitude member ...]", "3.2.0", _W),
    _g("GEOPOS", -2, "The longitude and latitude of members (nil for missing ones).",
       "O(1) for each member", "GEOPOS key [member [member ...]]", "3.2.0", _R),
    _g("GEODIST", -4, "The distance between two members, in meters or another unit.",
       "O(1)", "GEODIST key member1 member2 [M | KM | FT | MI]", "3.2.0", _R),
    _g("GEOHASH", -2, "The 11-character standard geohash strings of members.",
       "O(1) for each member", "GEOHASH key [member [member ...]]", "3.2.0", _R),
    _g("GEOSEARCH", -7, "Members inside a circle or box around a member or a position, "
       "or inside a polygon (BYPOLYGON, Valkey 9.0+), optionally sorted, counted and with "
       "coordinates, distances and hashes.", _AREA,
       f"GEOSEARCH key <{_FROM} {_SHAPE} | {_POLYGON}> [ASC | DESC] [COUNT count [ANY]] "
       f"{_WITH}",
       "6.2.0", _R),
    _g("GEOSEARCHSTORE", -8, "GEOSEARCH storing the members found as a sorted set (scored "
       "by geohash, or by distance with STOREDIST).", _AREA,
       f"GEOSEARCHSTORE destination source <{_FROM} {_SHAPE} | {_POLYGON}> [ASC | DESC] "
       "[COUNT count [ANY]] [STOREDIST]", "6.2.0", _W, keys=(KeyRange(1, 2),)),
    _g("GEORADIUS", -6, "Members within a radius of a position (the older form of "
       "GEOSEARCH), optionally stored.", _AREA,
       f"GEORADIUS key longitude latitude radius {_UNIT} {_RADIUS_OPTS} {_STORE}",
       "3.2.0", frozenset({"write", "denyoom", "movablekeys"}), keys=_stored(6)),
    _g("GEORADIUSBYMEMBER", -5, "Members within a radius of a member (the older form of "
       "GEOSEARCH), optionally stored.", _AREA,
       f"GEORADIUSBYMEMBER key member radius {_UNIT} {_RADIUS_OPTS} {_STORE}",
       "3.2.0", frozenset({"write", "denyoom", "movablekeys"}), keys=_stored(5)),
    _g("GEORADIUS_RO", -6, "GEORADIUS without the STORE options.", _AREA,
       f"GEORADIUS_RO key longitude latitude radius {_UNIT} {_RADIUS_OPTS}", "3.2.10", _R),
    _g("GEORADIUSBYMEMBER_RO", -5, "GEORADIUSBYMEMBER without the STORE options.", _AREA,
       f"GEORADIUSBYMEMBER_RO key member radius {_UNIT} {_RADIUS_OPTS}", "3.2.10", _R),
)
