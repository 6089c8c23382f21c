"""Names the dead-code check (vulture) must not report: each is used from outside our
code, by a caller whose signature we must accept. `.ci/run` passes this file to vulture.

This file is read, never run or imported.
"""
# ruff: noqa: F821, B018

is_caching_enabled  # redipy.Redis(): 0.7.1's keyword, accepted as it was
cycle  # IPython's _repr_pretty_(p, cycle)
line_number  # prompt_toolkit's prompt continuation callback
wrap_count  # prompt_toolkit's prompt continuation callback
nowait  # redis-py's Connection.read_response(...)
failure_count  # redis-py's connection retry callback
health_check_failed  # redis-py's connection retry callback
push_request  # redis-py's Connection.read_response(...)
command_name  # redis-py's Connection.pack_command/read_response keywords
sm  # redipy.plugin.LocalRedisFunction.call(sm, key, args): 0.7.1 plug-in signature
is_expr_stmt  # redipy.plugin.Lua*Patch.patch(..., is_expr_stmt): 0.7.1 plug-in signature
