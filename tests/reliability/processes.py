"""Throwaway PostgreSQL and Redis servers and Shipshape processes for the fault tests.

Every server listens on a free 127.0.0.1 port in a temporary directory; the machine's shared
PostgreSQL (5432) and Redis (6379) are never touched.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as error:  # keep polling; reported on timeout
            last = error
        time.sleep(interval)
    raise TimeoutError(f"{what} not reached in {timeout} s (last error: {last})")


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def available() -> bool:
    return bool(pg_bin() and shutil.which("redis-server"))


class Postgres:
    """A PostgreSQL cluster in a temporary directory (run as ``postgres`` when we are root)."""

    def __init__(self) -> None:
        self.bin = pg_bin()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="shipshape-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-sync",
        )  # fmt: skip

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.dir)

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"),
                  "-w", "start")  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, db: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def query(self, db: str, sql: str) -> list[tuple]:
        with psycopg.connect(self.url(db), autocommit=True) as conn:
            return conn.execute(sql).fetchall()

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: socket.create_connection(("127.0.0.1", self.port), 1), 10, "redis up")

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class Stack:
    """Shipshape's processes (web, worker, beat) against the throwaway servers."""

    def __init__(self, database_url: str, broker_url: str, **extra: str) -> None:
        self.var = Path(tempfile.mkdtemp(prefix="shipshape-faults-"))
        self.web_port = free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        for name in ("CELERY_TASK_ALWAYS_EAGER", "EMAIL_BACKEND", "PROMETHEUS_MULTIPROC_DIR"):
            self.env.pop(name, None)
        self.env.update(
            DJANGO_SETTINGS_MODULE="tests.reliability.fault_settings",
            PYTHONPATH=str(ROOT),
            DEBUG="0",
            SECRET_KEY="faults-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="0",
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
            DATABASE_URL=database_url,
            CONN_MAX_AGE="60",
            CELERY_BROKER_URL=broker_url,
            CELERY_VISIBILITY_TIMEOUT="5",
            CELERY_RESTORE_SECONDS="1",
            SHIPSHAPE_VAR_DIR=str(self.var),
            OUTBOX_DRAIN_SECONDS="2",
            WEEKLY_TICK_SECONDS="3600",
            API_THROTTLE_RATE="1000000/min",
            LOG_LEVEL="WARNING",
            **extra,
        )
        self.procs: dict[str, subprocess.Popen] = {}

    def manage(self, *args: str, timeout: float = 180) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
            text=True, timeout=timeout,
        )  # fmt: skip
        if result.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def shell(self, code: str) -> dict:
        out = self.manage("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.var / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.procs[name] = proc
        return proc

    def start_web(self, workers: int = 2) -> None:
        self._start("web", [
            str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "tracker.wsgi",
            "--bind", f"127.0.0.1:{self.web_port}", "--workers", str(workers),
            "--access-logfile", "/dev/null",
        ])  # fmt: skip
        wait_for(lambda: self.get("/healthz")[0] == 200, 30, "gunicorn up")

    def start_worker(self) -> None:
        self._start("worker", [
            str(BIN / "celery"), "-A", "tracker", "worker", "--pool=solo", "--concurrency=1",
            "--loglevel=WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle",
        ])  # fmt: skip

    def wait_worker_ready(self, timeout: float = 60) -> None:
        """Until the worker answers a ping: it is consuming (its first restore scan is done)."""

        def answers() -> bool:
            result = subprocess.run(
                [str(BIN / "celery"), "-A", "tracker", "inspect", "ping", "--timeout", "2"],
                cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=30,
            )  # fmt: skip
            return result.returncode == 0 and "pong" in result.stdout

        wait_for(answers, timeout, "the worker answering a ping", interval=0.5)

    def start_beat(self) -> None:
        self._start("beat", [
            str(BIN / "celery"), "-A", "tracker", "beat", "--loglevel=WARNING",
            "--schedule", str(self.var / "beat-schedule"),
        ])  # fmt: skip

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name, None)
        if proc and proc.poll() is None:
            os.killpg(proc.pid, sig)
            proc.wait(30)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)
        # Keep the processes' logs of the last run for a look after a failure.
        keep = ROOT / "var" / "faults"
        shutil.rmtree(keep, ignore_errors=True)
        keep.mkdir(parents=True, exist_ok=True)
        for log in self.var.glob("*.log"):
            shutil.copy(log, keep / log.name)
        shutil.rmtree(self.var, ignore_errors=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.web_port}{path}"

    def request(self, method: str, path: str, body=None, token: str = "", timeout: float = 30):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url(path), data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def get(self, path: str, token: str = ""):
        return self.request("GET", path, token=token, timeout=5)
