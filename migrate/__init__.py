"""Moving data between backends (redipy.migrate)."""
