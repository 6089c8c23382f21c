"""Which Redis backend a configuration asks for: one server or a cluster.

The choice lives here, above both classes, so that neither has to import the other
(:class:`~redipy.redis.cluster.ClusterBackend` is a subclass of
:class:`~redipy.redis.backend.RedisBackend`).
"""

from __future__ import annotations

from typing import Any

from redipy.redis.backend import RedisBackend
from redipy.redis.cluster import ClusterBackend, is_cluster_url


def backend_from_cfg(cfg: dict[str, Any]) -> RedisBackend:
    """0.7.1's cfg dict (plus url, db, username, ssl, unix_socket_path, cluster)."""
    url = cfg.get("url")
    if cfg.get("cluster") or (url and is_cluster_url(str(url))):
        return ClusterBackend.from_cfg(cfg)
    return RedisBackend.from_cfg(cfg)


def backend_from_url(url: str, *, prefix: str = "", db: int | None = None) -> RedisBackend:
    """``redis://``, ``rediss://``, ``unix://`` or ``redis+cluster://`` (``db`` wins over a
    ``/N`` in the URL; a cluster has only database 0)."""
    if is_cluster_url(url):
        return ClusterBackend.from_url(url, prefix=prefix, db=db)
    return RedisBackend.from_url(url, prefix=prefix, db=db)
