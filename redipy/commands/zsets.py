"""Command table: the sorted set commands."""

from __future__ import annotations

from redipy.commands.spec import CommandSpec, KeyNum, KeyRange

_W = frozenset({"write"})
_WF = frozenset({"write", "fast"})
_R = frozenset({"readonly"})
_RF = frozenset({"readonly", "fast"})
_ONE = (KeyRange(1),)
_NUM = (KeyNum(1, 2),)
_STORE = (KeyRange(1), KeyNum(2, 3))
_LOGN = "O(log(N)) where N is the number of members"
_RANGE = "O(log(N)+M) where N is the number of members and M the number returned"
_REMOVED = "O(log(N)+M) where N is the number of members and M the number removed"

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "ZADD", "sorted_set", -4,
        "Add members with scores to a sorted set, or update their scores.",
        "O(log(N)) for each member added or updated",
        "ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]",
        "1.2.0", _ONE, _WF),
    CommandSpec(
        "ZINCRBY", "sorted_set", 4, "Add to a member's score; returns the new score.",
        _LOGN, "ZINCRBY key increment member", "1.2.0", _ONE, _WF),
    CommandSpec(
        "ZREM", "sorted_set", -3, "Remove members from a sorted set.",
        "O(M*log(N)) where M is the number of members removed",
        "ZREM key member [member ...]", "1.2.0", _ONE, _WF),
    CommandSpec(
        "ZSCORE", "sorted_set", 3, "The score of a member, or nil.",
        "O(1)", "ZSCORE key member", "1.2.0", _ONE, _RF),
    CommandSpec(
        "ZMSCORE", "sorted_set", -3, "The scores of several members (nil for missing ones).",
        "O(N) where N is the number of members asked for", "ZMSCORE key member [member ...]",
        "6.2.0", _ONE, _RF),
    CommandSpec(
        "ZRANK", "sorted_set", -3,
        "A member's position counting from the lowest score (with WITHSCORE its score "
        "too: Valkey 7.2+, not Redis 7.0).",
        _LOGN, "ZRANK key member [WITHSCORE]", "2.0.0", _ONE, _RF),
    CommandSpec(
        "ZREVRANK", "sorted_set", -3,
        "A member's position counting from the highest score (with WITHSCORE its score "
        "too: Valkey 7.2+, not Redis 7.0).",
        _LOGN, "ZREVRANK key member [WITHSCORE]", "2.0.0", _ONE, _RF),
    CommandSpec(
        "ZCARD", "sorted_set", 2, "Count the members of a sorted set.",
        "O(1)", "ZCARD key", "1.2.0", _ONE, _RF),
    CommandSpec(
        "ZCOUNT", "sorted_set", 4, "Count the members whose score is within a range.",
        _LOGN, "ZCOUNT key min max", "2.0.0", _ONE, _RF),
    CommandSpec(
        "ZLEXCOUNT", "sorted_set", 4,
        "Count the members within a lexicographical range (equal scores assumed).",
        _LOGN, "ZLEXCOUNT key min max", "2.8.9", _ONE, _RF),
    CommandSpec(
        "ZRANGE", "sorted_set", -4,
        "Members in a range of positions, scores or names, in either direction.",
        _RANGE,
        "ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]",
        "1.2.0", _ONE, _R),
    CommandSpec(
        "ZRANGEBYSCORE", "sorted_set", -4, "Members whose score is within a range, lowest first.",
        _RANGE, "ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]", "1.0.5",
        _ONE, _R),
    CommandSpec(
        "ZREVRANGEBYSCORE", "sorted_set", -4,
        "Members whose score is within a range, highest first.",
        _RANGE, "ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]", "2.2.0",
        _ONE, _R),
    CommandSpec(
        "ZRANGEBYLEX", "sorted_set", -4,
        "Members within a lexicographical range (equal scores assumed), in order.",
        _RANGE, "ZRANGEBYLEX key min max [LIMIT offset count]", "2.8.9", _ONE, _R),
    CommandSpec(
        "ZREVRANGEBYLEX", "sorted_set", -4,
        "Members within a lexicographical range (equal scores assumed), in reverse.",
        _RANGE, "ZREVRANGEBYLEX key max min [LIMIT offset count]", "2.8.9", _ONE, _R),
    CommandSpec(
        "ZREVRANGE", "sorted_set", -4, "Members in a range of positions, highest score first.",
        _RANGE, "ZREVRANGE key start stop [WITHSCORES]", "1.2.0", _ONE, _R),
    CommandSpec(
        "ZRANGESTORE", "sorted_set", -5,
        "Store a range of a sorted set (as ZRANGE selects it) in another key.",
        "O(log(N)+M) where N is the number of members and M the number stored",
        "ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]", "6.2.0",
        (KeyRange(1, 2),), _W),
    CommandSpec(
        "ZPOPMIN", "sorted_set", -2, "Remove and return the members with the lowest scores.",
        "O(log(N)*M) where M is the number of members popped", "ZPOPMIN key [count]",
        "5.0.0", _ONE, _WF),
    CommandSpec(
        "ZPOPMAX", "sorted_set", -2, "Remove and return the members with the highest scores.",
        "O(log(N)*M) where M is the number of members popped", "ZPOPMAX key [count]",
        "5.0.0", _ONE, _WF),
    CommandSpec(
        "ZMPOP", "sorted_set", -4,
        "Pop the lowest or highest members of the first non-empty sorted set of several.",
        "O(K)+O(M*log(N)) where K is the number of keys and M the number popped",
        "ZMPOP numkeys key [key ...] <MIN | MAX> [COUNT count]", "7.0.0", _NUM, _W),
    CommandSpec(
        "ZREMRANGEBYRANK", "sorted_set", 4, "Remove the members in a range of positions.",
        _REMOVED, "ZREMRANGEBYRANK key start stop", "2.0.0", _ONE, _W),
    CommandSpec(
        "ZREMRANGEBYSCORE", "sorted_set", 4, "Remove the members whose score is within a range.",
        _REMOVED, "ZREMRANGEBYSCORE key min max", "1.2.0", _ONE, _W),
    CommandSpec(
        "ZREMRANGEBYLEX", "sorted_set", 4,
        "Remove the members within a lexicographical range (equal scores assumed).",
        _REMOVED, "ZREMRANGEBYLEX key min max", "2.8.9", _ONE, _W),
    CommandSpec(
        "ZUNION", "sorted_set", -3,
        "Union of sorted sets (plain sets count as score 1), scores combined.",
        "O(N)+O(M*log(M)) where N is the total input size and M the result size",
        "ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] "
        "[AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]", "6.2.0", _NUM, _R),
    CommandSpec(
        "ZINTER", "sorted_set", -3,
        "Intersection of sorted sets (plain sets count as score 1), scores combined.",
        "O(N*K)+O(M*log(M)) worst case, N the smallest input, K the number of inputs",
        "ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] "
        "[AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]", "6.2.0", _NUM, _R),
    CommandSpec(
        "ZDIFF", "sorted_set", -3,
        "Members of the first sorted set that none of the others has, with its scores.",
        "O(L+(N-K)log(N)) worst case, L the total input size, N the first set's size",
        "ZDIFF numkeys key [key ...] [WITHSCORES]", "6.2.0", _NUM, _R),
    CommandSpec(
        "ZUNIONSTORE", "sorted_set", -4, "Store the union of sorted sets; returns its size.",
        "O(N)+O(M*log(M)) where N is the total input size and M the result size",
        "ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] "
        "[AGGREGATE <SUM | MIN | MAX>]", "2.0.0", _STORE, _W),
    CommandSpec(
        "ZINTERSTORE", "sorted_set", -4,
        "Store the intersection of sorted sets; returns its size.",
        "O(N*K)+O(M*log(M)) worst case, N the smallest input, K the number of inputs",
        "ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] "
        "[AGGREGATE <SUM | MIN | MAX>]", "2.0.0", _STORE, _W),
    CommandSpec(
        "ZDIFFSTORE", "sorted_set", -4,
        "Store the difference of sorted sets; returns its size.",
        "O(L+(N-K)log(N)) worst case, L the total input size, N the first set's size",
        "ZDIFFSTORE destination numkeys key [key ...]", "6.2.0", _STORE, _W),
    CommandSpec(
        "ZINTERCARD", "sorted_set", -3,
        "Size of the intersection of sorted sets, optionally stopping at a limit.",
        "O(N*K) worst case, N the smallest input, K the number of inputs",
        "ZINTERCARD numkeys key [key ...] [LIMIT limit]", "7.0.0", _NUM, _R),
    CommandSpec(
        "ZRANDMEMBER", "sorted_set", -2,
        "Random members of a sorted set without removing them (a negative count may repeat).",
        "O(1) without count, O(N) with a count of N",
        "ZRANDMEMBER key [count [WITHSCORES]]", "6.2.0", _ONE, _R),
    CommandSpec(
        "ZSCAN", "sorted_set", -3,
        "Walk the members and scores of a sorted set a few at a time with a cursor.",
        "O(1) per call, O(N) for a complete iteration",
        "ZSCAN key cursor [MATCH pattern] [COUNT count] [NOSCORES]", "2.8.0", _ONE, _R),
)
