"""The interactive shell and IPython magics (redipy.repl)."""
