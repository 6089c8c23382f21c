"""Real servers: :mod:`redipy.redis.backend` for one server, :mod:`redipy.redis.cluster`
for a Redis (or Valkey) Cluster."""
