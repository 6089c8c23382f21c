"""Parity-machine operations for the geo commands on the shared key pool: positions
from a few clusters of points (so searches find some), every reader, searches around
positions (FROMMEMBER and GEORADIUSBYMEMBER answer a missing member in Valkey 9's
words only, so they are tested in tests/test_cmd_geo.py) and the STORE forms."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.strategies.common import Op, keys, members

lons = st.sampled_from([13.361389, 15.087269, 13.5, -0.1275, 179.99, -180.0, 0.0])
lats = st.sampled_from([38.115556, 37.502669, 38.2, 51.5072, 85.0, -85.05112878, 0.0])
triads = st.lists(st.tuples(lons, lats, members), min_size=1, max_size=4).map(
    lambda ts: [v for t in ts for v in t])
units = st.sampled_from(["m", "km", "mi", "ft"])
radii = st.sampled_from([0, 1, 50, 200, 5000])
sorts = st.sampled_from([None, "ASC", "DESC"])
flags = st.fixed_dictionaries({"nx": st.booleans(), "xx": st.booleans(), "ch": st.booleans()})
member_lists = st.lists(members, min_size=1, max_size=3)


def _search_kwargs() -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries({
        "longitude": lons, "latitude": lats, "unit": units, "sort": sorts,
        "count": st.sampled_from([None, 1, 3]), "withdist": st.booleans(),
        "withcoord": st.booleans(), "withhash": st.booleans()}).flatmap(
        lambda kw: st.one_of(st.fixed_dictionaries({"radius": radii}),
                             st.fixed_dictionaries({"width": radii, "height": radii})).map(
            lambda shape: {**kw, **shape}))


OPS: list[Op] = [
    Op("geoadd", st.tuples(keys, triads), flags.filter(lambda f: not (f["nx"] and f["xx"]))),
    Op("geoadd", st.tuples(keys, triads)),
    Op("geopos", st.tuples(keys).flatmap(lambda k: member_lists.map(lambda m: (*k, *m)))),
    Op("geohash", st.tuples(keys).flatmap(lambda k: member_lists.map(lambda m: (*k, *m)))),
    Op("geodist", st.tuples(keys, members, members, st.sampled_from([None, "km", "mi"]))),
    Op("geosearch", st.tuples(keys), _search_kwargs()),
    Op("geosearchstore", st.tuples(keys, keys), st.fixed_dictionaries({
        "longitude": lons, "latitude": lats, "unit": units, "radius": radii,
        "count": st.sampled_from([None, 2]), "storedist": st.booleans()})),
    Op("georadius", st.tuples(keys, lons, lats, radii, units), st.fixed_dictionaries({
        "withdist": st.booleans(), "count": st.sampled_from([None, 2]), "sort": sorts})),
    Op("georadius", st.tuples(keys, lons, lats, radii, units), st.fixed_dictionaries({
        "store": st.none() | keys, "store_dist": st.none() | keys}).filter(
        lambda kw: kw["store"] is None or kw["store_dist"] is None)),
]
