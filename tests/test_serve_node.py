"""A client in another language: Node's ``ioredis`` (from the npm registry, installed into
a temporary folder) runs commands, a pipeline, a MULTI, pub/sub and a blocking pop
against ``redipy serve``, and the same script against Valkey 9.1; the transcripts must
be equal. No npm registry, no test: it fails saying so."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import redipy
from redipy.server.listener import ServerThread
from tests.servers import Server as RealServer

SCRIPT = r"""
const Redis = require("ioredis");
const port = Number(process.argv[2]);
(async () => {
  const out = [];
  const r = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await r.connect();
  await r.flushall();
  out.push(await r.set("n:k", "v"), await r.get("n:k"), await r.incrby("n:c", 5));
  out.push(await r.hset("n:h", { a: "1", b: "2" }), await r.hgetall("n:h"));
  out.push(await r.zadd("n:z", 1.5, "x", 2, "y"), await r.zrange("n:z", 0, -1, "WITHSCORES"));
  out.push(await r.rpush("n:l", "a", "b", "c"), await r.lrange("n:l", 0, -1));
  try { await r.lpush("n:k", "x"); } catch (e) { out.push("error: " + e.message); }
  out.push(await r.pipeline().set("n:p", "1").incr("n:p").get("n:p").exec());
  out.push(await r.multi().incr("n:m").incr("n:m").exec());
  const sub = new Redis({ port });
  const got = new Promise((resolve) => sub.on("message", (ch, msg) => resolve([ch, msg])));
  out.push(await sub.subscribe("n:news"));
  out.push(await r.publish("n:news", "hello from node"));
  out.push(await got);
  const blocker = new Redis({ port });
  const popped = blocker.blpop("n:q", 5);
  await new Promise((res) => setTimeout(res, 100));
  out.push(await r.rpush("n:q", "job"));
  out.push(await popped);
  out.push(await blocker.blpop("n:empty", 0.1));
  console.log(JSON.stringify(out));
  for (const c of [r, sub, blocker]) c.disconnect();
})().catch((e) => { console.error("node script failed: " + e.stack); process.exit(1); });
"""


@pytest.fixture(scope="module")
def ioredis_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    npm = shutil.which("npm")
    node = shutil.which("node")
    if npm is None or node is None:
        pytest.fail("node and npm are needed for the Node client judge (apt-get install "
                    "nodejs npm)")
    folder = tmp_path_factory.mktemp("ioredis")
    try:
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent",
                               "ioredis@5"], cwd=folder, capture_output=True, text=True,
                              timeout=180)
    except subprocess.TimeoutExpired:
        pytest.fail("npm install ioredis timed out: is the npm registry reachable?")
    if done.returncode != 0:
        pytest.fail("npm install ioredis failed (is the npm registry reachable?): "
                    + (done.stderr or done.stdout).strip()[-500:])
    (folder / "judge.js").write_text(SCRIPT)
    return folder


@pytest.fixture(scope="module")
def served() -> Iterator[ServerThread]:
    with redipy.serve(log=None) as handle:
        yield handle


def _run(folder: Path, port: int) -> object:
    done = subprocess.run(["node", str(folder / "judge.js"), str(port)], cwd=folder,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NODE_PATH": str(folder / "node_modules")})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_ioredis_matches_valkey(ioredis_dir: Path, served: ServerThread,
                                servers: dict[str, RealServer]) -> None:
    ours = _run(ioredis_dir, served.port)
    theirs = _run(ioredis_dir, servers["valkey9"].port)
    assert ours == theirs
    assert isinstance(ours, list) and ours[-2] == ["n:q", "job"]


def test_readme_node_example(ioredis_dir: Path, served: ServerThread) -> None:
    """The README's ioredis example prints what its last comment says."""
    import re

    import redis

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## redipy serve", 1)[1].split("\n## ", 1)[0]
    code = re.findall(r"```js\n(.*?)\n```", section, re.S)[0]
    expected = code.rsplit("// ", 1)[1].strip()
    with redis.Redis(port=served.port) as r:
        r.flushall()
        r.set("greeting", "hello")
    (ioredis_dir / "readme.js").write_text(code.replace("6379", str(served.port)))
    done = subprocess.run(["node", "readme.js"], cwd=ioredis_dir, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected
