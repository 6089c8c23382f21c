"""0.7.1's ``redipy.symbolic``: the script builder under its old module paths.

Each submodule re-exports names of :mod:`redipy.script` (one implementation)."""
