"""0.7.1's ``redipy.graph.expr``: value types and the literal helpers plug-ins used."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from redipy.script.register import JSONType

LiteralValueType = str | int | float | bool | list[Any] | dict[str, Any] | None
ValueType = Literal["str", "int", "float", "bool", "list", "dict", "none"]

ExprObj = dict[str, Any]
"""One expression node: a dict with a ``kind`` (see :mod:`redipy.script.view`)."""


class LiteralValObj(TypedDict):
    """A literal as 0.7.1 wrote it."""

    kind: Literal["val"]
    value: LiteralValueType
    type: ValueType


class CallObj(TypedDict):
    """A function call as 0.7.1 wrote it."""

    kind: Literal["call"]
    name: str
    args: list[ExprObj]
    no_adjust: bool


def get_literal(obj: ExprObj, vtype: ValueType | None = None) -> JSONType:
    """The value of a literal node (``None`` for other nodes or another type)."""
    if obj.get("kind") != "val" or (vtype is not None and obj.get("type") != vtype):
        return None
    return obj["value"]  # type: ignore[no-any-return]


def is_none_literal(obj: ExprObj) -> bool:
    """Whether ``obj`` is the literal ``None``."""
    return obj.get("kind") == "val" and obj.get("type") == "none"


def find_literal(
        objs: list[ExprObj],
        value: JSONType,
        *,
        vtype: ValueType | None = None,
        no_case: bool = False) -> tuple[int, JSONType] | None:
    """The first ``(index, literal)`` in ``objs`` equal to ``value`` (of type ``vtype``
    when given; ``no_case`` compares strings case-insensitively, with ``vtype="str"``)."""
    for pos, obj in enumerate(objs):
        if value is None or vtype == "none":
            if is_none_literal(obj):
                return (pos, None)
            continue
        lit = get_literal(obj, vtype)
        if no_case and vtype == "str":
            if str(lit).upper() == str(value).upper():
                return (pos, lit)
        elif lit == value:
            return (pos, lit)
    return None


__all__ = ["CallObj", "ExprObj", "JSONType", "LiteralValObj", "LiteralValueType",
           "ValueType", "find_literal", "get_literal", "is_none_literal"]
