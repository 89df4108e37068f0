"""CI stage: build the container image and run it as compose.yaml does, against this machine.

Builds the image from a wheelhouse made on the host (cached under /var/tmp by the hash of
pyproject.toml: a fresh clone rebuilds it), reads the services' commands and environment from
``podman-compose config`` (so the stage runs what the compose file runs), then with
``--network host`` against the machine's PostgreSQL (a database of its own) and Redis runs
``migrate``, the web, the worker and beat (non-root, read-only root filesystem, tmpfs for /tmp
and var/), and checks /healthz, /readyz, a sign-in, an API call with a token and a digest sent
by the worker reaching an SMTP sink (aiosmtpd) on 127.0.0.1. Stops everything, reports the
image size and the time taken.

    .venv/bin/python .ci/image.py          # from .ci/run after the tests (podman needed)

Environment: SHIPSHAPE_IMAGE_DB (database name, default shipshape_image), SHIPSHAPE_IMAGE_REDIS
(Redis database number, default 13), CONTAINER_STANDINS (the tool that installs podman and
the base image stand-ins; default ../shared/tools/container-standins).
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import yaml
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
TAG = "localhost/shipshape:ci"
CACHE = Path("/var/tmp/shipshape-ci")
DB = os.environ.get("SHIPSHAPE_IMAGE_DB", "shipshape_image")
REDIS_DB = os.environ.get("SHIPSHAPE_IMAGE_REDIS", "13")
PG = "postgres://postgres@127.0.0.1:5432"
RUN_ID = f"ssci{os.getpid()}"
started = time.monotonic()


def step(text: str) -> None:
    print(f"== image: {text} ({time.monotonic() - started:.0f} s)", flush=True)


def sh(*args: str, check: bool = True, quiet: bool = False, **kwargs) -> str:
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if check and result.returncode:
        raise SystemExit(
            f"{' '.join(args[:4])} … failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    if not quiet and result.stderr.strip() and result.returncode:
        print(result.stderr[-2000:], file=sys.stderr)
    return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"image: {what} not reached in {timeout:.0f} s")


# --- podman and the base images -----------------------------------------------------------


def podman_ready() -> None:
    tool = os.environ.get("CONTAINER_STANDINS") or next(
        (str(p) for p in (ROOT.parent / "shared/tools/container-standins",
                          ROOT.parent.parent / "shared/tools/container-standins",
                          Path("/work/shared/tools/container-standins")) if p.exists()),
        "",
    )  # fmt: skip
    if not tool:
        raise SystemExit("image: shared/tools/container-standins not found beside the repo")
    out = sh("bash", tool)
    match = re.search(r"export CONTAINERS_CONF=(\S+)", out)
    if match:
        os.environ["CONTAINERS_CONF"] = match.group(1)


def wheelhouse() -> None:
    """./wheelhouse for the build: every wheel the runtime needs, built on this host."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    cached = CACHE / f"wheelhouse-{digest}"
    if not cached.is_dir():
        partial = CACHE / f"wheelhouse-{digest}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        # The stand-in's Python is Debian's 3.11.2: redis then also needs async-timeout.
        sh(str(ROOT / ".venv/bin/pip"), "wheel", "-q", "-w", str(partial), str(ROOT),
           "async-timeout>=4")  # fmt: skip
        partial.rename(cached)
    target = ROOT / "wheelhouse"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(cached, target)


def build() -> None:
    sh("podman", "build", "--format", "docker", "--network", "host",
       "--build-arg", "WHEELS=wheelhouse", "-t", TAG, str(ROOT))  # fmt: skip
    sh("podman", "image", "prune", "-f", quiet=True)


# --- compose.yaml: the services' commands and environment ----------------------------------


def compose_services() -> dict[str, dict]:
    env = {**os.environ, "SECRET_KEY": "x", "POSTGRES_PASSWORD": "x", "REDIS_PASSWORD": "x"}
    out = sh(str(ROOT / ".venv/bin/podman-compose"), "-f", str(ROOT / "compose.yaml"),
             "config", env=env)  # fmt: skip
    services = yaml.safe_load(out)["services"]
    for name in ("migrate", "web", "worker", "beat"):
        assert services[name]["command"], f"compose.yaml: {name} has no command"
        assert services[name].get("image") == "shipshape:latest", name
    return services


def environment(service: dict, port: int, smtp_port: int) -> dict[str, str]:
    """The service's environment from compose.yaml, with this machine's servers in place of
    the compose network's."""
    env = {k: str(v) for k, v in (service.get("environment") or {}).items()}
    site = f"http://127.0.0.1:{port}"
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"{PG}/{DB}",
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        CACHE_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        SITE_URL=site,
        CSRF_TRUSTED_ORIGINS=site,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PORT=str(port),
        WEEKLY_TICK_SECONDS="30",
    )
    env.pop("CELERY_METRICS_ADDR", None)
    env.pop("CELERY_METRICS_PORT", None)  # several containers share the host's ports
    if "WEB_CONCURRENCY" in env:
        env["WEB_CONCURRENCY"] = "2"
    return env


def run(name: str, command: list[str], env: dict[str, str], detach: bool) -> str:
    env_file = CACHE / f"{RUN_ID}-{name}.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    args = ["podman", "run", "--network", "host", "--read-only", "--tmpfs", "/tmp",
            "--tmpfs", "/app/var:rw,mode=1777", "--env-file", str(env_file),
            "--name", f"{RUN_ID}-{name}"]  # fmt: skip
    args += ["-d"] if detach else ["--rm"]
    return sh(*args, TAG, *command)


# --- the checks -----------------------------------------------------------------------------


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                subject = re.search(rb"^Subject: (.*)$", envelope.content, re.M)
                outer.messages.append(
                    (envelope.rcpt_tos, subject.group(1).decode().strip() if subject else "")
                )
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()


def checks(base: str, token: str, sink: Sink) -> None:
    get = urllib.request.urlopen
    step("checks")
    wait_for(lambda: get(f"{base}/healthz", timeout=3).status == 200, 90, "/healthz")
    wait_for(lambda: get(f"{base}/readyz", timeout=5).status == 200, 60, "/readyz")
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = browser.open(f"{base}/accounts/login/", timeout=10).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf, "the sign-in page has a CSRF token"
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf.group(1), "username": "erin", "password": "shipshape-demo"}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=form, headers={"Referer": f"{base}/accounts/login/"}
    )
    landed = browser.open(request, timeout=20)
    body = landed.read().decode()
    assert landed.url.rstrip("/") == base and "My work" in body, (landed.url, body[:300])
    print("   sign-in as erin: my work page", flush=True)
    api = urllib.request.Request(
        f"{base}/api/v1/teams/", headers={"Authorization": f"Bearer {token}"}
    )
    teams = json.loads(get(api, timeout=10).read())
    assert [t["key"] for t in teams["results"]] == ["PLAT"], teams
    try:
        get(f"{base}/api/v1/teams/", timeout=10)
        raise AssertionError("the API answered without a token")
    except urllib.error.HTTPError as refused:
        assert refused.code == 401, refused.code
    print("   API with a token: /api/v1/teams/ lists PLAT (401 without)", flush=True)
    wait_for(lambda: any("Weekly digest" in s for _, s in sink.messages), 120,
             "the digest at the SMTP sink")  # fmt: skip
    print(f"   digest from the worker at the SMTP sink: {sink.messages}", flush=True)


def main() -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    step("podman and base images")
    podman_ready()
    step("wheelhouse")
    wheelhouse()
    step("build")
    build()
    size = int(sh("podman", "image", "inspect", "--format", "{{.Size}}", TAG).strip())
    services = compose_services()
    sink = Sink()
    port = free_port()
    env = {name: environment(services[name], port, sink.port) for name in services
           if name in ("migrate", "web", "worker", "beat")}  # fmt: skip
    sh("psql", f"{PG}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{DB}"')
    sh("psql", f"{PG}/postgres", "-qc", f'CREATE DATABASE "{DB}"')
    sh("redis-cli", "-h", "127.0.0.1", "-n", REDIS_DB, "flushdb")
    names = []
    try:
        step("migrate")
        run("migrate", services["migrate"]["command"], env["migrate"], detach=False)
        step("demo data and a token")
        manage = ["python", "manage.py"]
        run("seed", [*manage, "seed_demo", "--force"], env["migrate"], detach=False)
        out = run("token", [*manage, "create_token", "erin", "--name", "ci"], env["migrate"],
                  detach=False)  # fmt: skip
        token = re.search(r"ssp_\S+", out)
        assert token, out
        step("web, worker and beat")
        for name in ("web", "worker", "beat"):
            run(name, services[name]["command"], env[name], detach=True)
            names.append(f"{RUN_ID}-{name}")
        user = sh("podman", "exec", f"{RUN_ID}-web", "id", "-u").strip()
        assert user != "0", "the web runs as root"
        run("digest", [*manage, "send_digest", "--team", "PLAT", "--enqueue"], env["migrate"],
            detach=False)  # fmt: skip
        checks(f"http://127.0.0.1:{port}", token.group(0), sink)
    except BaseException:
        for name in names:
            print(f"--- logs of {name}", file=sys.stderr)
            print(sh("podman", "logs", "--tail", "40", name, check=False), file=sys.stderr)
        raise
    finally:
        for name in names:
            sh("podman", "rm", "-f", "-t", "5", name, check=False, quiet=True)
        sink.controller.stop()
        for path in CACHE.glob(f"{RUN_ID}-*.env"):
            path.unlink()
        shutil.rmtree(ROOT / "wheelhouse", ignore_errors=True)
    step(f"passed: image {TAG} is {size / 1e6:.0f} MB (uid {user}, read-only root)")


if __name__ == "__main__":
    main()
