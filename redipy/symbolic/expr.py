"""0.7.1's ``redipy.symbolic.expr``: expressions and literals."""

from redipy.script.expr import Constant, Expr, LiteralOp, MixedType, StrLen, Strs, lit_helper

__all__ = ["Constant", "Expr", "LiteralOp", "MixedType", "StrLen", "Strs", "lit_helper"]
