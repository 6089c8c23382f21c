"""The shape of a pub/sub message on every backend: redis-py's dicts
``{"type", "pattern", "channel", "data"}``, shared by the API and both backends."""

from __future__ import annotations

from typing import Any

Message = dict[str, Any]

SUBSCRIBE_TYPES = frozenset({"subscribe", "unsubscribe", "psubscribe", "punsubscribe"})
