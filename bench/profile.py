"""``python -m bench.profile``: where a benchmark operation's time goes, sampled with py-spy.

Uses the database ``make bench`` seeded (``shipshape_bench``; ``--seed`` seeds it afresh),
starts the same gunicorn (2 workers, production settings), drives each selected operation
with ``wrk`` as the benchmark does and, meanwhile, records both workers with ``py-spy``
(``--nonblocking``: the workers are not paused). Prints, per operation, the share of samples
spent in each function (self and inclusive) and a coarse breakdown by layer, and keeps the
raw collapsed stacks in ``var/bench/profile/`` (load them in speedscope or flamegraph.pl).

    python -m bench.profile "ceiling (a)" "PATCH a task"

Only loopback addresses are contacted.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from bench.run import (
    PG,
    PYTHON,
    ROOT,
    Operation,
    base_env,
    drive,
    free_port,
    fresh_database,
    prepare,
    run,
    start_gunicorn,
)

PY_SPY = str(Path(PYTHON).parent / "py-spy")

# A frame's layer, by the first path fragment it matches (first match wins, innermost frame
# that matches decides the sample's layer in ``layers``).
LAYERS = [
    ("psycopg", "database driver (psycopg) and waiting on PostgreSQL"),
    ("redis/", "Redis client and waiting on Redis"),
    ("django/db/models/sql/compiler", "ORM: SQL compilation and row building"),
    ("django/db/", "ORM: query building"),
    ("django/template/", "templates"),
    ("rest_framework/", "DRF"),
    ("django/middleware/", "Django middleware"),
    ("django/contrib/", "Django contrib (sessions, auth, messages)"),
    ("django/", "Django (routing, request, response)"),
    ("gunicorn/", "gunicorn (accept, parse, send, log)"),
    ("initiatives/", "Shipshape: initiatives"),
    ("tracker/", "Shipshape: tracker"),
]


OURS = re.compile(r"\((initiatives|tracker|bench)/")


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(pid) for pid in out.stdout.split()]


def record(pid: int, seconds: int, output: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            PY_SPY,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(seconds),
            "--rate",
            "250",
            "--nonblocking",
            "--format",
            "raw",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def parse(paths: list[Path]) -> list[tuple[list[str], int]]:
    stacks = []
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                stacks.append((stack.split(";"), int(count)))
    return stacks


def short(frame: str) -> str:
    """``handle (gunicorn/workers/sync.py:135)`` -> the function and its file, from
    site-packages or the repository down."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for marker in ("site-packages/", str(ROOT) + "/", "lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    where = where.rsplit(":", 1)[0]
    return f"{name} ({where})"


def report(stacks: list[tuple[list[str], int]], top: int) -> str:
    total = sum(count for _, count in stacks) or 1
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    layers: collections.Counter[str] = collections.Counter()
    idle = 0
    for frames, count in stacks:
        names = [short(f) for f in frames]
        if names and ("wait (selectors.py)" in names[-1] or "select (selectors.py)" in names[-1]):
            idle += count
        own[names[-1] if names else "?"] += count
        for name in set(names):
            inclusive[name] += count
        layer = "other Python"
        for frame in reversed(frames):
            hit = next((label for key, label in LAYERS if key in frame), None)
            if hit:
                layer = hit
                break
        layers[layer] += count
    lines = [f"{total} samples ({idle * 100 / total:.0f} % idle in the accept loop)", ""]
    lines += ["By layer (innermost matching frame):"]
    lines += [f"  {n * 100 / total:5.1f} %  {label}" for label, n in layers.most_common()]
    lines += ["", f"Self time, top {top}:"]
    lines += [f"  {n * 100 / total:5.1f} %  {name}" for name, n in own.most_common(top)]
    lines += ["", f"Inclusive time, top {top * 2}:"]
    lines += [f"  {n * 100 / total:5.1f} %  {name}" for name, n in inclusive.most_common(top * 2)]
    ours = [(name, n) for name, n in inclusive.most_common() if OURS.search(name)]
    lines += ["", f"Inclusive time of Shipshape's own functions, top {top * 2}:"]
    lines += [f"  {n * 100 / total:5.1f} %  {name}" for name, n in ours[: top * 2]]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ops", nargs="*", help="substrings of operation names (default: all)")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--seed", action="store_true", help="seed shipshape_bench afresh")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench" / "profile"))
    args = parser.parse_args()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix="shipshape-profile-"))
    database_url = f"{PG}/shipshape_bench"
    if args.seed:
        database_url = fresh_database("shipshape_bench")
    env = base_env(database_url, var_dir)
    if args.seed:
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
        run([PYTHON, "manage.py", "seed_scale", "--scale", "1"], env, capture_output=True)
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    prepared = prepare(env)
    ops = [
        Operation(**spec)
        for spec in prepared["operations"]
        if spec["kind"] != "job" and (not args.ops or any(s in spec["name"] for s in args.ops))
    ]
    port = free_port()
    server = start_gunicorn(env, port)
    try:
        workers = worker_pids(server.pid)
        for op in ops:
            headers: dict[str, str] = {}
            if op.auth == "token":
                headers = {"Authorization": f"Bearer {prepared['token']}"}
            elif op.auth == "session":
                headers = {
                    "Cookie": f"sessionid={prepared['session']}; csrftoken={prepared['csrf']}"
                }
            if op.body:
                headers["Content-Type"] = "application/json"
            drive(op, port, headers, 2, args.concurrency)  # warm caches and connections
            slug = "".join(c if c.isalnum() else "-" for c in op.name).strip("-")
            outputs = [out_dir / f"{slug}.{pid}.txt" for pid in workers]
            recorders = [
                record(pid, args.duration, path) for pid, path in zip(workers, outputs, strict=True)
            ]
            time.sleep(0.5)
            result: dict = {}
            driver = threading.Thread(
                target=lambda op=op, headers=headers, result=result: result.update(
                    drive(op, port, headers, args.duration, args.concurrency)
                )
            )
            driver.start()
            for recorder in recorders:
                recorder.wait(timeout=args.duration + 30)
            driver.join()
            print(f"\n=== {op.name}: {result.get('rps', 0):.0f} req/s while sampled ===")
            print(report(parse(outputs), args.top))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
