"""``redipy serve``: the memory backend as a Redis server any client can reach."""
