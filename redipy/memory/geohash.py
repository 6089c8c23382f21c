"""Geohashes as the server computes them (geohash.c, geohash_helper.c), digit for digit.

A position is a 52-bit score: 26 bits of latitude (within +-85.05112878) interleaved
with 26 of longitude. Searches cover the area with the box of the centre's geohash at
an estimated step and its eight neighbours, in the server's order, so unsorted replies
and COUNT ANY stop at the same members. Distances are the server's haversine on a
sphere of radius 6372797.560856 m.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LAT_MIN, LAT_MAX = -85.05112878, 85.05112878
LON_MIN, LON_MAX = -180.0, 180.0
STEP_MAX = 26
EARTH_RADIUS = 6372797.560856
MERCATOR_MAX = 20037726.37
_D_R = math.pi / 180.0
_M64 = (1 << 64) - 1

Range = tuple[float, float]
WGS84: tuple[Range, Range] = ((LON_MIN, LON_MAX), (LAT_MIN, LAT_MAX))
STANDARD: tuple[Range, Range] = ((-180.0, 180.0), (-90.0, 90.0))


def _spread(v: int) -> int:
    v = (v | (v << 16)) & 0x0000FFFF0000FFFF
    v = (v | (v << 8)) & 0x00FF00FF00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v << 2)) & 0x3333333333333333
    return (v | (v << 1)) & 0x5555555555555555


def _squash(v: int) -> int:
    v &= 0x5555555555555555
    v = (v | (v >> 1)) & 0x3333333333333333
    v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v >> 4)) & 0x00FF00FF00FF00FF
    v = (v | (v >> 8)) & 0x0000FFFF0000FFFF
    return (v | (v >> 16)) & 0x00000000FFFFFFFF


def encode(lon: float, lat: float, step: int = STEP_MAX,
           ranges: tuple[Range, Range] = WGS84) -> int | None:
    """geohashEncode: the interleaved bits (latitude in the even bits), or None."""
    if lon > LON_MAX or lon < LON_MIN or lat > LAT_MAX or lat < LAT_MIN:
        return None
    (lon_lo, lon_hi), (lat_lo, lat_hi) = ranges
    if lat < lat_lo or lat > lat_hi or lon < lon_lo or lon > lon_hi:
        return None
    lat_off = (lat - lat_lo) / (lat_hi - lat_lo) * (1 << step)
    lon_off = (lon - lon_lo) / (lon_hi - lon_lo) * (1 << step)
    return _spread(int(lat_off) & 0xFFFFFFFF) | (_spread(int(lon_off) & 0xFFFFFFFF) << 1)


@dataclass(frozen=True, slots=True)
class Area:
    lon_min: float
    lon_max: float
    lat_min: float
    lat_max: float


def decode_area(bits: int, step: int) -> Area:
    """geohashDecode over the WGS84 ranges."""
    ilat = _squash(bits)
    ilon = _squash(bits >> 1)
    scale = float(1 << step)
    lat_scale = LAT_MAX - LAT_MIN
    lon_scale = LON_MAX - LON_MIN
    return Area(LON_MIN + (ilon * 1.0 / scale) * lon_scale,
                LON_MIN + (((ilon + 1) & 0xFFFFFFFF) * 1.0 / scale) * lon_scale,
                LAT_MIN + (ilat * 1.0 / scale) * lat_scale,
                LAT_MIN + (((ilat + 1) & 0xFFFFFFFF) * 1.0 / scale) * lat_scale)


def _score_bits(score: float) -> int:
    """``(uint64_t)score`` as x86-64 compiles it (scores need not be geohashes)."""
    if score != score:
        return 0
    if score < 9223372036854775808.0:
        if score <= -9223372036854775809.0 or math.isinf(score):
            return 1 << 63
        return int(score) & _M64
    rest = score - 9223372036854775808.0
    low = int(rest) if rest < 9223372036854775808.0 and not math.isinf(rest) else 1 << 63
    return (low ^ (1 << 63)) & _M64


_SCALE26 = float(1 << STEP_MAX)
_LAT_SCALE = LAT_MAX - LAT_MIN
_LON_SCALE = LON_MAX - LON_MIN
_TWO52 = float(1 << 52)


def decode_score(score: float) -> tuple[float, float]:
    """A member's (longitude, latitude): the centre of its 52-bit box, clamped (the
    arithmetic of decode_area at step 26, inlined: searches call it per candidate)."""
    bits = int(score) if 0.0 <= score < _TWO52 else _score_bits(score)
    ilat = _squash(bits)
    ilon = _squash(bits >> 1)
    lon = (LON_MIN + (ilon * 1.0 / _SCALE26) * _LON_SCALE
           + (LON_MIN + (((ilon + 1) & 0xFFFFFFFF) * 1.0 / _SCALE26) * _LON_SCALE)) / 2
    lat = (LAT_MIN + (ilat * 1.0 / _SCALE26) * _LAT_SCALE
           + (LAT_MIN + (((ilat + 1) & 0xFFFFFFFF) * 1.0 / _SCALE26) * _LAT_SCALE)) / 2
    if lon > LON_MAX:
        lon = LON_MAX
    elif lon < LON_MIN:
        lon = LON_MIN
    if lat > LAT_MAX:
        lat = LAT_MAX
    elif lat < LAT_MIN:
        lat = LAT_MIN
    return lon, lat


_LAT_SPAN = LAT_MAX - LAT_MIN
_LON_SPAN = LON_MAX - LON_MIN
_STEPS26 = 1 << STEP_MAX


_SPREAD13 = [_spread(v) for v in range(1 << 13)]
"""The bits of every 13-bit number spread to the even bits: two lookups spread 26."""


def score_of(lon: float, lat: float, _spread13: list[int] = _SPREAD13,
             _lat_min: float = LAT_MIN, _lat_span: float = _LAT_SPAN,
             _lon_min: float = LON_MIN, _lon_span: float = _LON_SPAN,
             _steps: float = float(_STEPS26)) -> int:
    """The 52-bit score GEOADD stores for a position already checked to be valid
    (:func:`encode` at step 26 over the WGS84 ranges, without its checks; offsets
    of valid positions are below 2**26, so two 13-bit halves spread each). GEOADD's
    hot path: the constants and the table are defaults (local reads)."""
    lat_off = int((lat - _lat_min) / _lat_span * _steps)
    lon_off = int((lon - _lon_min) / _lon_span * _steps)
    if lat_off >> 26 or lon_off >> 26 or lat_off < 0 or lon_off < 0:  # LAT_MAX itself
        return _spread(lat_off & 0xFFFFFFFF) | (_spread(lon_off & 0xFFFFFFFF) << 1)
    return (_spread13[lat_off & 0x1FFF] | _spread13[lat_off >> 13] << 26
            | _spread13[lon_off & 0x1FFF] << 1 | _spread13[lon_off >> 13] << 27)


_ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz"


def standard_hash(score: float) -> str:
    """GEOHASH's 11 characters: re-encoded over latitude -90..90, last one '0'."""
    lon, lat = decode_score(score)
    bits = encode(lon, lat, STEP_MAX, STANDARD) or 0
    return "".join(_ALPHABET[(bits >> (52 - (i + 1) * 5)) & 0x1F] for i in range(10)) + "0"


# ---- distances ---------------------------------------------------------------------------

def lat_distance(lat1: float, lat2: float) -> float:
    return EARTH_RADIUS * abs(lat2 * _D_R - lat1 * _D_R)


def distance(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """geohashGetDistance (Valkey's form: a plain latitude distance when v is 0)."""
    v = math.sin((lon2 * _D_R - lon1 * _D_R) / 2)
    if v == 0.0:
        return lat_distance(lat1, lat2)
    lat1r, lat2r = lat1 * _D_R, lat2 * _D_R
    u = math.sin((lat2r - lat1r) / 2)
    a = u * u + math.cos(lat1r) * math.cos(lat2r) * v * v
    return 2.0 * EARTH_RADIUS * math.asin(math.sqrt(a))


def format_distance(d: float) -> str:
    """fixedpoint_d2string(d, 4): llrint(d * 10000) written with four decimals."""
    if d == 0:
        return "0.0000"
    scaled = round(d * 10000.0)
    sign = "-" if scaled < 0 else ""
    scaled = abs(scaled)
    return f"{sign}{scaled // 10000}.{scaled % 10000:04d}"


def format_coord(x: float) -> str:
    """addReplyHumanLongDouble: %.17Lf with the trailing zeros (and dot) dropped."""
    text = f"{x:.17f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text == "-0" else text


# ---- search areas ------------------------------------------------------------------------

@dataclass(slots=True)
class Shape:
    lon: float = 0.0
    lat: float = 0.0
    conversion: float = 1.0
    radius: float = 0.0
    width: float = 0.0
    height: float = 0.0
    box: bool = False
    polygon: tuple[tuple[float, float], ...] = ()
    """BYPOLYGON's vertices (Valkey 9.0+); empty for a circle or a box."""
    bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    """A polygon's (min lon, min lat, max lon, max lat)."""

    def set_polygon(self, vertices: tuple[tuple[float, float], ...]) -> None:
        """geohashBoundingBox for a polygon: its bounds, and as its centre (where
        distances are measured from) the mean of the vertices on the unit sphere."""
        min_lon, min_lat, max_lon, max_lat = LON_MAX, LAT_MAX, LON_MIN, LAT_MIN
        x = y = z = 0.0
        for lon, lat in vertices:
            min_lon, min_lat = min(min_lon, lon), min(min_lat, lat)
            max_lon, max_lat = max(max_lon, lon), max(max_lat, lat)
            lon_r, lat_r = lon * _D_R, lat * _D_R
            cos_lat = math.cos(lat_r)
            x += math.cos(lon_r) * cos_lat
            y += math.sin(lon_r) * cos_lat
            z += math.sin(lat_r)
        self.polygon, self.bounds = vertices, (min_lon, min_lat, max_lon, max_lat)
        self.lon = math.atan2(y, x) / _D_R
        self.lat = math.atan2(z, math.sqrt(x * x + y * y)) / _D_R
        self.conversion = 1.0

    def contains(self, score: float) -> tuple[float, float, float] | None:
        """geoWithinShape: (lon, lat, distance) when the member's point is inside."""
        lon, lat = decode_score(score)
        if self.polygon:
            if not in_polygon(self.polygon, lon, lat):
                return None
            return lon, lat, distance(self.lon, self.lat, lon, lat)
        if not self.box:
            dist = distance(self.lon, self.lat, lon, lat)
            if dist > self.radius * self.conversion:
                return None
            return lon, lat, dist
        if lat_distance(lat, self.lat) > self.height * self.conversion / 2:
            return None
        if distance(lon, lat, self.lon, lat) > self.width * self.conversion / 2:
            return None
        return lon, lat, distance(self.lon, self.lat, lon, lat)


def in_polygon(vertices: tuple[tuple[float, float], ...], lon: float, lat: float) -> bool:
    """The server's even-odd test on the plane of longitude and latitude: a ray to the
    east crossing the edges (what lies on an edge falls in or out as its arithmetic
    says, as the server's does)."""
    inside = False
    prev_lon, prev_lat = vertices[-1]
    for cur_lon, cur_lat in vertices:
        if (cur_lat > lat) != (prev_lat > lat) and lon < (
                (lat - cur_lat) * (prev_lon - cur_lon) / (prev_lat - cur_lat) + cur_lon):
            inside = not inside
        prev_lon, prev_lat = cur_lon, cur_lat
    return inside


def _steps(range_m: float, lat: float) -> int:
    """geohashEstimateStepsByRadius."""
    if range_m == 0:
        return 26
    step = 1
    while range_m < MERCATOR_MAX:
        range_m *= 2
        step += 1
    step -= 2
    if lat > 66 or lat < -66:
        step -= 1
        if lat > 80 or lat < -80:
            step -= 1
    return min(max(step, 1), 26)


def _move(bits: int, step: int, dx: int, dy: int) -> int:
    """geohash_move_x / geohash_move_y."""
    shift = 64 - step * 2
    if dx:
        x, y = bits & 0xAAAAAAAAAAAAAAAA, bits & 0x5555555555555555
        zz = 0x5555555555555555 >> shift
        x = x + (zz + 1) if dx > 0 else (x | zz) - (zz + 1)
        bits = ((x & _M64) & (0xAAAAAAAAAAAAAAAA >> shift)) | y
    if dy:
        x, y = bits & 0xAAAAAAAAAAAAAAAA, bits & 0x5555555555555555
        zz = 0xAAAAAAAAAAAAAAAA >> shift
        y = y + (zz + 1) if dy > 0 else (y | zz) - (zz + 1)
        bits = x | ((y & _M64) & (0x5555555555555555 >> shift))
    return bits


# north, south, east, west, north-east, north-west, south-east, south-west
_AROUND = ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1))


def _bounds(shape: Shape) -> tuple[float, float, float, float]:
    """geohashBoundingBox of a circle or a box: (min lon, max lon, min lat, max lat)."""
    lon, lat = shape.lon, shape.lat
    if shape.box:
        height = shape.conversion * (shape.height / 2)
        width = shape.conversion * (shape.width / 2)
    else:
        height = width = shape.conversion * shape.radius
    lat_delta = (height / EARTH_RADIUS) / _D_R
    top = (width / EARTH_RADIUS / math.cos((lat + lat_delta) * _D_R)) / _D_R
    bottom = (width / EARTH_RADIUS / math.cos((lat - lat_delta) * _D_R)) / _D_R
    if lat < 0:
        return lon - bottom, lon + bottom, lat - lat_delta, lat + lat_delta
    return lon - top, lon + top, lat - lat_delta, lat + lat_delta


def search_boxes(shape: Shape) -> list[tuple[int, int]]:
    """geohashCalculateAreasByShapeWGS84 then membersOfAllNeighbors' order: the
    (min, max) score ranges to scan, the centre box first, zeroed and repeated
    neighbours left out."""
    lon, lat = shape.lon, shape.lat
    if shape.polygon:
        min_lon, min_lat, max_lon, max_lat = shape.bounds
        radius_m = max(distance(lon, lat, min_lon, max_lat), distance(lon, lat, max_lon, max_lat),
                       distance(lon, lat, min_lon, min_lat),
                       distance(lon, lat, max_lon, min_lat)) * shape.conversion
    else:
        min_lon, max_lon, min_lat, max_lat = _bounds(shape)
        if shape.box:
            radius_m = math.sqrt((shape.width / 2) * (shape.width / 2)
                                 + (shape.height / 2) * (shape.height / 2))
        else:
            radius_m = shape.radius
        radius_m *= shape.conversion
    steps = _steps(radius_m, lat)
    bits = encode(lon, lat, steps) or 0
    around = [_move(bits, steps, dx, dy) for dx, dy in _AROUND]
    north, south = decode_area(around[0], steps), decode_area(around[1], steps)
    east, west = decode_area(around[2], steps), decode_area(around[3], steps)
    if steps > 1 and (north.lat_max < max_lat or south.lat_min > min_lat
                      or east.lon_max < max_lon or west.lon_min > min_lon):
        steps -= 1
        bits = encode(lon, lat, steps) or 0
        around = [_move(bits, steps, dx, dy) for dx, dy in _AROUND]
    area = decode_area(bits, steps)
    keep = [True] * 8
    if steps >= 2:
        if area.lat_min < min_lat:
            keep[1] = keep[7] = keep[6] = False  # south, south-west, south-east
        if area.lat_max > max_lat:
            keep[0] = keep[4] = keep[5] = False  # north, north-east, north-west
        if area.lon_min < min_lon:
            keep[3] = keep[7] = keep[5] = False  # west, south-west, north-west
        if area.lon_max > max_lon:
            keep[2] = keep[6] = keep[4] = False  # east, south-east, north-east
    boxes: list[tuple[int, int]] = []
    cells = [bits, *around]
    last = 0  # membersOfAllNeighbors' last_processed: 0 (the centre) never compares
    shift = 52 - steps * 2
    for pos, cell in enumerate(cells):
        if pos and not keep[pos - 1]:
            continue  # GZERO'd: bits and step both zero
        if last and cell == cells[last]:
            continue
        boxes.append((cell << shift, (cell + 1) << shift))
        last = pos
    return boxes
