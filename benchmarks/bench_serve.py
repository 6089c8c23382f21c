"""``redipy serve`` against fakeredis's TcpFakeServer and valkey-server, by redis-benchmark.

Each round runs ``redis-benchmark -q -n N -c 50 -t TEST`` for each of set, get, incr,
lpush, rpop, sadd, hset, zadd, lrange_100, mset with ``-P 1`` and ``-P 16`` against the
servers in turn (interleaved, so a busy machine slows all of them alike): redipy serve on
uvloop's event loop (its default when installed) and on asyncio's (``--loop asyncio``),
TcpFakeServer and valkey-server. The table shows each row's median requests/s, redipy's
(uvloop) ratio to TcpFakeServer and to valkey-server, then each server's CPU time per
request (from /proc, around each run: it depends far less on what else the machine runs
than the rate does; TcpFakeServer's, with a thread per client, only to 10 ms per run), then
each server's peak RSS and CPU seconds over the whole run.

    python benchmarks/bench_serve.py [--rounds 3] [-n 100000] [--fake-n 20000]
        [--servers redipy,redipy-asyncio,fakeredis,valkey] [--tests set,get,...]
        [--compare DIR]

``--compare DIR`` adds a redipy serve run from another source tree (e.g. a
``git archive`` of an older commit), interleaved with the others: a before/after in one
run, on the same load. ``--servers`` and ``--tests`` pick a subset.

TcpFakeServer runs fewer requests per test (``--fake-n``; it manages a few thousand a
second, and LRANGE_100 far fewer): a rate, not a total, is compared. redis-benchmark's
LRANGE_100 test first runs N LPUSH of its own; their CPU (at the LPUSH test's rate per
request in the same round) is taken off LRANGE_100's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import table
from tests.servers import free_port, valkey_binary

TESTS = "set,get,incr,lpush,rpop,sadd,hset,zadd,lrange_100,mset"
ROWS = ["SET", "GET", "INCR", "LPUSH", "RPOP", "SADD", "HSET", "ZADD",
        "LRANGE_100 (first 100 elements)", "MSET (10 keys)"]


def _wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def start(kind: str, compare: str | None = None) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = None
    cwd = None
    if kind.startswith("redipy"):
        loop = "asyncio" if kind == "redipy-asyncio" else "uvloop"
        cmd = [sys.executable, "-m", "redipy", "serve", "--port", str(port), "--loop", loop]
        if kind == "redipy-compare" and compare is not None:  # that tree's redipy
            cwd = compare
            env = {**os.environ, "PYTHONPATH": compare}
    elif kind == "fakeredis":
        cmd = [sys.executable, "-c",
               "from fakeredis import TcpFakeServer\n"
               f"s = TcpFakeServer(('127.0.0.1', {port}), server_type='redis')\n"
               "s.serve_forever()"]
    else:
        cmd = [valkey_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=cwd, env=env)
    _wait_port(port, proc)
    return proc, port


def bench(port: int, n: int, pipeline: int, test: str) -> dict[str, float]:
    out = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-n", str(n), "-c", "50", "-P", str(pipeline),
         "-t", test, "--csv"], capture_output=True, text=True, timeout=3600)
    rates: dict[str, float] = {}
    for line in out.stdout.splitlines()[1:]:
        fields = [f.strip('"') for f in line.split('","')]
        if len(fields) >= 2 and fields[0] in ROWS:
            rates[fields[0]] = float(fields[1].strip('"'))
    if not rates:  # say why a row is missing (it shows as "-")
        why = out.stderr.strip().splitlines()[-1:] or [f"exit {out.returncode}"]
        print(f"port {port} -P {pipeline} {test}: no row ({why[0][:200]})", file=sys.stderr)
    return rates


def _proc_stats(pid: int) -> tuple[int, float]:
    """(peak RSS in bytes, CPU seconds) of a running process, its exited threads included
    (clock ticks of 10 ms: coarse for one test's run, see :func:`_cpu`)."""
    peak = 0
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) * 1024
    with open(f"/proc/{pid}/stat") as fh:
        stat = fh.read()
    fields = stat[stat.rindex(")") + 2:].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return peak, (int(fields[11]) + int(fields[12])) / ticks


def _cpu(pid: int) -> tuple[frozenset[str], float, float]:
    """(thread ids, CPU seconds from their schedstat in nanoseconds, CPU seconds from
    the clock ticks): the first is precise but forgets threads that exit (TcpFakeServer
    starts one per client), so a test's figure takes it only when no thread came or went."""
    tids = frozenset(os.listdir(f"/proc/{pid}/task"))
    run_ns = 0
    for task in tids:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as fh:
                run_ns += int(fh.read().split()[0])
        except (OSError, ValueError, IndexError):
            run_ns = 0
            break
    return tids, run_ns / 1e9, _proc_stats(pid)[1]


def _cpu_used(before: tuple[frozenset[str], float, float],
              after: tuple[frozenset[str], float, float]) -> float:
    if before[0] == after[0] and before[1] and after[1]:
        return after[1] - before[1]
    return after[2] - before[2]


NAMES = {"redipy": "redipy serve", "redipy-compare": "compared tree",
         "redipy-asyncio": "on asyncio", "fakeredis": "TcpFakeServer",
         "valkey": "valkey-server"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("-n", type=int, default=100_000)
    ap.add_argument("--fake-n", type=int, default=20_000)
    ap.add_argument("--servers", default="redipy,redipy-asyncio,fakeredis,valkey")
    ap.add_argument("--tests", default=TESTS)
    ap.add_argument("--compare", metavar="DIR",
                    help="also run redipy serve from this source tree (before/after)")
    args = ap.parse_args()
    if shutil.which("redis-benchmark") is None:
        sys.exit("redis-benchmark not found (apt-get install redis-tools)")
    kinds = [k for k in args.servers.split(",") if k]
    unknown = set(kinds) - set(NAMES)
    if unknown:
        sys.exit(f"unknown servers: {', '.join(sorted(unknown))}")
    if args.compare:
        kinds.insert(kinds.index("redipy") + 1 if "redipy" in kinds else 0, "redipy-compare")
    tests = [t for t in args.tests.split(",") if t]
    rows_of = dict(zip(TESTS.split(","), ROWS))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers too
    procs: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    results: dict[tuple[str, int], dict[str, list[float]]] = {}
    cpu: dict[tuple[str, int], dict[str, list[float]]] = {}
    try:
        for kind in kinds:
            procs[kind] = start(kind, args.compare)
        for rnd in range(args.rounds):
            for pipeline in (1, 16):
                for kind in kinds:
                    n = args.fake_n if kind == "fakeredis" else args.n
                    pid = procs[kind][0].pid
                    per_request: dict[str, float] = {}
                    for test in tests:
                        row = rows_of[test]
                        before = _cpu(pid)
                        got = bench(procs[kind][1], n, pipeline, test)
                        used = _cpu_used(before, _cpu(pid))
                        if row in got:
                            results.setdefault((kind, pipeline), {}).setdefault(
                                row, []).append(got[row])
                            if test == "lrange_100":  # less its own N LPUSH
                                used -= n * per_request.get(ROWS[3], 0.0)
                            per_request[row] = used / n
                            cpu.setdefault((kind, pipeline), {}).setdefault(row, []).append(
                                used / n * 1e6)
                    print(f"round {rnd + 1}/{args.rounds} -P {pipeline} {kind}: "
                          f"{len(per_request)} rows, load {os.getloadavg()[0]:.1f}",
                          file=sys.stderr)
        stats = {kind: _proc_stats(proc.pid) for kind, (proc, _) in procs.items()}
    finally:
        for proc, _ in procs.values():
            proc.terminate()
            proc.wait(10)

    def med(kind: str, pipeline: int, row: str,
            source: dict[tuple[str, int], dict[str, list[float]]] = results) -> float:
        values = source.get((kind, pipeline), {}).get(row, [])
        return statistics.median(values) if values else 0.0

    rows = []
    cpu_rows = []
    for pipeline in (1, 16):
        for test in tests:
            row = rows_of[test]
            name = row.split(" (")[0]
            rates = {k: med(k, pipeline, row) for k in kinds}
            ours = rates.get("redipy", 0.0)
            line = [name, f"-P {pipeline}"]
            line += [f"{rates[k]:,.0f}" if rates[k] else "-" for k in kinds]
            for ref in ("redipy-compare", "fakeredis", "valkey"):
                if ref in kinds and "redipy" in kinds:
                    other = rates[ref]
                    line.append("-" if not (other and ours) else f"{ours / other:.2f}x"
                                 if ref == "redipy-compare" else f"{ours / other:.1f}x"
                                 if ref == "fakeredis" else f"{ours / other:.0%}")
            rows.append(line)
            us = {k: med(k, pipeline, row, cpu) for k in kinds}
            line = [name, f"-P {pipeline}"]
            line += [("-" if us[k] <= 0 else f"{us[k]:.1f}" if k == "fakeredis"
                      else f"{us[k]:.2f}") for k in kinds]
            if "redipy" in kinds:
                line.append(f"{1e6 / us['redipy']:,.0f}" if us["redipy"] > 0 else "-")
            cpu_rows.append(line)
    refs = [{"redipy-compare": "vs compared", "fakeredis": "vs fakeredis",
             "valkey": "vs valkey"}[r] for r in ("redipy-compare", "fakeredis", "valkey")
            if r in kinds and "redipy" in kinds]
    print(table(f"redis-benchmark -c 50, requests/s (median of {args.rounds} interleaved "
                f"rounds; -n {args.n}, TcpFakeServer -n {args.fake_n})",
                ["test", "pipeline", *(NAMES[k] for k in kinds), *refs], rows))
    print(table("server CPU per request, us (median; the last column: the rate redipy's CPU "
                "time allows on a core of its own)",
                ["test", "pipeline", *(NAMES[k] for k in kinds),
                 *(["redipy ceiling/s"] if "redipy" in kinds else [])], cpu_rows))
    print(table("servers over the whole run", ["server", "peak RSS", "CPU seconds"],
                [[NAMES[kind], f"{peak / 2**20:.0f} MB", f"{seconds:.1f}"]
                 for kind, (peak, seconds) in stats.items()]))


if __name__ == "__main__":
    main()
