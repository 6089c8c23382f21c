"""The memory backend: an in-process server that answers like Redis (see backend.py)."""
