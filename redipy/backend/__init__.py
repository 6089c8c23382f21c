"""0.7.1's ``redipy.backend``: script compilers and runtimes under their old paths."""
