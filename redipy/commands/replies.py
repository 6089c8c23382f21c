"""Reply shapes by protocol, for the commands whose RESP3 reply differs from RESP2's.

RESP2 sends every collection as a flat array and every score as a bulk string;
RESP3 has maps, sets and doubles. Each name here is a shape the reply takes in RESP3
(read by the table's ``CommandSpec.resp3``); the RESP2 side is the plain array or
bulk string, or a simple string where ``status_reply`` says so. The shapes
themselves live in :mod:`redipy.redispy.shapes`, which applies them.
"""

from __future__ import annotations

RESP3_SHAPE_NAMES = frozenset({
    "map",          # a flat field/value array becomes a map
    "set",          # an array of members becomes a set
    "double",       # a score as a double
    "doubles",      # an array of scores, each a double (nil stays nil)
    "withscores",   # with WITHSCORES: [member, score] pairs, the score a double
    "zadd",         # with INCR: the new score as a double
    "zpop",         # ZPOPMIN/MAX: a double score; with a count, pairs
    "bzpop",        # [key, member, score]: the score a double
    "zmpop",        # [key, [[member, score], ...]]: the scores doubles
    "zrank",        # with WITHSCORE: [rank, score]: the score a double
    "withvalues",   # HRANDFIELD ... WITHVALUES: [field, value] pairs
    "setpop",       # SPOP with a count: a set
    "streams",      # XREAD/XREADGROUP: [[key, entries], ...] as a map of key to entries
})

RESP3: dict[str, str] = {
    "HGETALL": "map",
    "SMEMBERS": "set",
    "SINTER": "set",
    "SUNION": "set",
    "SDIFF": "set",
    "SPOP": "setpop",
    "ZSCORE": "double",
    "ZINCRBY": "double",
    "ZMSCORE": "doubles",
    "ZADD": "zadd",
    "ZRANGE": "withscores",
    "ZRANGEBYSCORE": "withscores",
    "ZREVRANGE": "withscores",
    "ZREVRANGEBYSCORE": "withscores",
    "ZUNION": "withscores",
    "ZINTER": "withscores",
    "ZDIFF": "withscores",
    "ZRANDMEMBER": "withscores",
    "ZPOPMIN": "zpop",
    "ZPOPMAX": "zpop",
    "BZPOPMIN": "bzpop",
    "BZPOPMAX": "bzpop",
    "ZMPOP": "zmpop",
    "BZMPOP": "zmpop",
    "ZRANK": "zrank",
    "ZREVRANK": "zrank",
    "HRANDFIELD": "withvalues",
    "XREAD": "streams",
    "XREADGROUP": "streams",
}
"""The RESP3 shape of each command that has one (the table's ``resp3`` field)."""
