"""Which Redis backend a configuration asks for: one server or a cluster.

The choice lives here, above both classes, so that neither has to import the other
(:class:`~redipy.redis.cluster.ClusterBackend` is a subclass of
:class:`~redipy.redis.backend.RedisBackend`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from redipy.redis.backend import RedisBackend
from redipy.redis.cluster import SCHEMES as CLUSTER_SCHEMES
from redipy.redis.cluster import ClusterBackend


def _is_cluster_url(url: object) -> bool:
    return bool(url) and urlsplit(str(url)).scheme in CLUSTER_SCHEMES


def backend_from_cfg(cfg: dict[str, Any]) -> RedisBackend:
    """0.7.1's cfg dict (plus url, db, username, ssl, unix_socket_path, cluster)."""
    if cfg.get("cluster") or _is_cluster_url(cfg.get("url")):
        return ClusterBackend.from_cfg(cfg)
    return RedisBackend.from_cfg(cfg)


def backend_from_url(url: str, *, prefix: str = "", db: int | None = None) -> RedisBackend:
    """``redis://``, ``rediss://``, ``unix://`` or ``redis+cluster://`` (``db`` wins over a
    ``/N`` in the URL; a cluster has only database 0)."""
    if _is_cluster_url(url):
        return ClusterBackend.from_url(url, prefix=prefix, db=db)
    return RedisBackend.from_url(url, prefix=prefix, db=db)
