"""``make bench``: Shipshape under load on PostgreSQL, measured against the framework ceiling.

1. Creates a fresh PostgreSQL database and seeds the scale dataset (``seed_scale``), timed.
2. Counts SQL queries per operation once, in-process, with Django's test client.
3. Starts gunicorn with production settings (DEBUG off, 2 workers, persistent connections) on
   127.0.0.1 and drives every operation from a separate ``wrk`` process at concurrency 8.
4. Times the jobs (digest of the largest team, one beat tick over all teams) in-process.
5. Writes ``var/bench/results.json`` and ``var/bench/results.md`` and prints the table.

Only loopback addresses are contacted. ``--smoke`` runs a tiny dataset for 2 s per operation
(``make test`` runs that, so the benchmark cannot silently break).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
LUA = Path(__file__).resolve().parent / "wrk.lua"


@dataclass
class Operation:
    name: str
    kind: str  # web, api, ceiling, job
    method: str = "GET"
    path: str = ""
    body: str = ""
    auth: str = "token"  # token, session or none
    expect: int = 200
    target: str = ""  # the target it is held to, for the table
    queries: int | None = None
    result: dict[str, Any] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(cmd: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, text=True, **kwargs)


def fresh_database(name: str) -> str:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG}/{name}"


def base_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY="bench-secret-key-not-for-production-0123456789abcdef",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        CONN_MAX_AGE="600",
        CACHE_URL=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/3"),
        SHIPSHAPE_VAR_DIR=str(var_dir),
        SHIPSHAPE_BENCH_ENDPOINTS="1",
        API_THROTTLE_RATE="1000000/min",
        LOG_LEVEL="ERROR",
        CELERY_TASK_ALWAYS_EAGER="1",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
    )
    return env


def prepare(env: dict[str, str]) -> dict[str, Any]:
    """In a child process with the bench settings: pick the targets, make a token and a
    session, count queries per operation and time the jobs. Prints JSON."""
    out = subprocess.run(
        [PYTHON, "-m", "bench.prepare"], env=env, cwd=ROOT, text=True, capture_output=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench.prepare failed:\n{out.stderr[-4000:]}{out.stdout[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "tracker.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def drive(
    op: Operation, port: int, headers: dict[str, str], duration: int, concurrency: int
) -> dict:
    """One wrk run of ``op``; the Lua script reports JSON on its last line."""
    env = dict(os.environ)
    env.update(
        BENCH_METHOD=op.method,
        BENCH_BODY=op.body,
        BENCH_HEADERS=json.dumps(headers),
        BENCH_EXPECT=str(op.expect),
    )
    out = subprocess.run(
        [
            "wrk",
            f"-t{min(2, concurrency)}",
            f"-c{concurrency}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{port}{op.path}",
        ],
        env=env,
        check=True,
        text=True,
        capture_output=True,
    )
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1]
    return json.loads(line)


def ratio(rps: float, ceiling: float | None) -> float:
    return rps / ceiling if ceiling else 0.0


def table(ops: list[Operation], ceilings: dict[str, float]) -> str:
    rows = [
        "| operation | req/s | p50 ms | p95 ms | p99 ms | errors | queries | vs 0 | vs (a) "
        "| vs (b) | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for op in ops:
        r = op.result
        if op.kind == "job":
            rows.append(
                f"| {op.name} | — | {r['median_ms']:.0f} | {r['max_ms']:.0f} | — | 0 | "
                f"{op.queries if op.queries is not None else '—'} | — | — | — | {op.target} |"
            )
            continue
        zero = ratio(r["rps"], ceilings.get("0"))
        a = ratio(r["rps"], ceilings.get("a"))
        b = ratio(r["rps"], ceilings.get("b"))
        rows.append(
            f"| {op.name} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
            f"{r['errors']} | {op.queries if op.queries is not None else '—'} | {zero:.0%} "
            f"| {a:.0%} | {b:.0%} | {op.target} |"
        )
    return "\n".join(rows)


def summary(op: Operation, ceilings: dict[str, float]) -> dict[str, Any]:
    """An operation as results.json carries it: its wrk figures, and flat ``rps``, ``p95_ms``,
    ``queries`` and ``ratio_ceiling0`` (None for the jobs, which wrk does not drive)."""
    row = asdict(op)
    measured = op.kind != "job"
    row["rps"] = round(op.result["rps"], 1) if measured else None
    row["p95_ms"] = round(op.result["p95"], 1) if measured else None
    row["ratio_ceiling0"] = round(ratio(op.result["rps"], ceilings["0"]), 4) if measured else None
    return row


def machine() -> str:
    match = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
    cpu = match.group(1) if match else platform.processor()
    return f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny dataset, 2 s per operation")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--out", default=str(ROOT / "var" / "bench"))
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database seeded by the previous run"
    )
    parser.add_argument("--only", nargs="*", default=[], help="substrings of operation names")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    duration = 2 if args.smoke else args.duration
    # The smoke run only proves every operation works: fewer connections, so that a slow
    # page still completes requests within its two seconds.
    concurrency = 2 if args.smoke else args.concurrency
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix="shipshape-bench-"))

    name = "shipshape_bench_smoke" if args.smoke else "shipshape_bench"
    database_url = f"{PG}/{name}" if args.reuse else fresh_database(name)
    env = base_env(database_url, var_dir)
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    started = time.monotonic()
    seeded = "reused the previous run's data"
    if not args.reuse:
        seeded = run(
            [PYTHON, "manage.py", "seed_scale", "--scale", "0.01" if args.smoke else "1"],
            env,
            capture_output=True,
        ).stdout.strip()
    seed_seconds = time.monotonic() - started
    print(seeded)

    prepared = prepare(env)
    ops = [
        Operation(**spec)
        for spec in prepared["operations"]
        # The ceilings always run: every row is a ratio to them.
        if not args.only
        or spec["kind"] == "ceiling"
        or any(part in spec["name"] for part in args.only)
    ]
    port = free_port()
    server = start_gunicorn(env, port)
    try:
        for op in ops:
            if op.kind == "job":
                op.result = prepared["jobs"][op.name]
                continue
            headers = {}
            if op.auth == "token":
                headers = {"Authorization": f"Bearer {prepared['token']}"}
            elif op.auth == "session":
                cookie = f"sessionid={prepared['session']}; csrftoken={prepared['csrf']}"
                headers = {"Cookie": cookie}
            if op.body:
                headers["Content-Type"] = "application/json"
            op.result = drive(op, port, headers, duration, concurrency)
            print(
                f"  {op.name:<34} {op.result['rps']:8.0f} req/s  p95 {op.result['p95']:6.1f} ms"
                f"  errors {op.result['errors']}"
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        shutil.rmtree(var_dir, ignore_errors=True)

    ceilings = {
        "0": next(op.result["rps"] for op in ops if op.name.startswith("ceiling 0")),
        "a": next(op.result["rps"] for op in ops if op.name.startswith("ceiling (a)")),
        "b": next(op.result["rps"] for op in ops if op.name.startswith("ceiling (b)")),
    }
    markdown = table(ops, ceilings)
    results = {
        "machine": machine(),
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "smoke": args.smoke,
        "duration_s": duration,
        "concurrency": concurrency,
        "seed_seconds": round(seed_seconds, 1),
        "seeded": seeded,
        "ceiling0_rps": ceilings["0"],
        "ceilings_rps": ceilings,
        "operations": [summary(op, ceilings) for op in ops],
    }
    (out_dir / "results.json").write_text(json.dumps(results, indent=2))
    header = (
        f"Machine: {results['machine']}. Dataset: {seeded} (seeding took {seed_seconds:.0f} s). "
        f"wrk at concurrency {concurrency} for {duration} s per operation, gunicorn with "
        f"2 workers, DEBUG off, persistent connections. Ceiling 0 (a bare Django view without "
        f"middleware, same server): {ceilings['0']:.0f} req/s; vs 0, (a) and (b) are each "
        f"row's throughput as a percentage of the ceilings of this run.\n\n"
    )
    (out_dir / "results.md").write_text(header + markdown + "\n")
    print()
    print(header + markdown)
    failed = [op.name for op in ops if op.kind != "job" and op.result.get("errors")]
    if failed:
        print(f"\nOperations with errors: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
