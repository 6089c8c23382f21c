"""0.7.1's ``redipy.graph``: the shapes of a script as JSON-able data.

0.7.1 compiled scripts from such dicts; here they are a *view* of the IR
(:mod:`redipy.script.view`), given to ``compile_hook`` and by ``ctx.compile()``."""
