"""``redipy serve`` before and after a change, interleaved: SET, GET and cheap EVALSHA.

Scripts run off the event loop since the script thread (:mod:`redipy.server.scripts`):
this measures what that costs the loop's ordinary commands (SET, GET) and a cheap
script (EVALSHA of ``return 1`` and of an INCR). Two servers run side by side, one from
``--before DIR`` (a tree of the package, e.g. ``git archive <commit> | tar -x -C DIR``)
and one from this checkout, on the same interpreter and event loop; each round runs
``redis-benchmark -c 50 -n N`` for every row on both in turn. The tables show the
medians of the rounds: requests/s and the server's CPU time per request (from
/proc/<pid>/task/*/schedstat, both threads of the new server counted), with the load
average before and after the run.

    python benchmarks/bench_serve_scripts.py --before /tmp/before [--rounds 5] [-n 50000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_serve import _cpu, _cpu_used, _wait_port
from benchmarks.common import table
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = {"return 1": "return 1", "INCR": "return redis.call('INCR', KEYS[1])"}


def start(tree: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(tree))
    proc = subprocess.Popen([sys.executable, "-m", "redipy", "serve", "--port", str(port)],
                            cwd=str(tree), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _wait_port(port, proc)
    return proc, port


def cli(port: int, *args: str) -> str:
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True,
                          text=True, check=True).stdout.strip()


def bench(port: int, n: int, pipeline: int, command: list[str]) -> float:
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-n", str(n), "-c", "50",
                          "-P", str(pipeline), "--csv", *command],
                         capture_output=True, text=True, timeout=600)
    lines = out.stdout.splitlines()
    if len(lines) < 2:
        raise RuntimeError(f"redis-benchmark gave no row: {out.stderr.strip()[:200]}")
    return float(lines[1].split('","')[1].strip('"'))


def loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", required=True, type=Path)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("-n", type=int, default=50_000)
    args = ap.parse_args()
    load_start = loadavg()
    servers = {"before": start(args.before.resolve()), "after": start(ROOT)}
    rows: dict[str, list[str]] = {}
    try:
        for _, port in servers.values():
            for label, body in SCRIPTS.items():
                rows[label] = ["evalsha", cli(port, "SCRIPT", "LOAD", body),
                               "1" if "KEYS" in body else "0", *(["k"] if "KEYS" in body else [])]
        rows = {"SET": ["set", "key:__rand_int__", "v"], "GET": ["get", "key:__rand_int__"],
                **{f"EVALSHA {label}": cmd for label, cmd in rows.items()}}
        rate: dict[tuple[str, str, int], list[float]] = {}
        cpu: dict[tuple[str, str, int], list[float]] = {}
        for rnd in range(args.rounds):
            for pipeline in (1, 16):
                for row, command in rows.items():
                    for name, (proc, port) in servers.items():
                        before = _cpu(proc.pid)
                        got = bench(port, args.n, pipeline, command)
                        used = _cpu_used(before, _cpu(proc.pid))
                        rate.setdefault((name, row, pipeline), []).append(got)
                        cpu.setdefault((name, row, pipeline), []).append(used / args.n * 1e6)
            print(f"round {rnd + 1}/{args.rounds} (load {loadavg()})", file=sys.stderr)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(10)
    out = []
    for pipeline in (1, 16):
        for row in rows:
            r0, r1 = (statistics.median(rate[(k, row, pipeline)]) for k in servers)
            c0, c1 = (statistics.median(cpu[(k, row, pipeline)]) for k in servers)
            out.append([row, f"-P {pipeline}", f"{r0:,.0f}", f"{r1:,.0f}", f"{r1 / r0:.2f}x",
                        f"{c0:.2f}", f"{c1:.2f}", f"{c1 / c0:.2f}x"])
    print(table(f"redis-benchmark -c 50 -n {args.n}, medians of {args.rounds} interleaved "
                f"rounds (load average {load_start} at the start, {loadavg()} at the end)",
                ["test", "pipeline", "before req/s", "after req/s", "after/before",
                 "before CPU us/req", "after CPU us/req", "after/before"], out))


if __name__ == "__main__":
    main()
