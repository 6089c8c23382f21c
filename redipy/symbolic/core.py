"""0.7.1's ``redipy.symbolic.core``: the variable kinds of a script."""

from redipy.script.seq import (
    IndexVariable,
    JSONArg,
    KeyVariable,
    LocalVariable,
    Stmt,
    ValueVariable,
    Variable,
)

CmdHelper = Stmt

__all__ = ["CmdHelper", "IndexVariable", "JSONArg", "KeyVariable", "LocalVariable",
           "ValueVariable", "Variable"]
