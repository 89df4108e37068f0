"""The benchmark's reduced run (tiny dataset, 2 s per operation), so that ``make bench``
cannot silently break. Needs PostgreSQL and wrk; CI has both."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [pytest.mark.postgres, pytest.mark.bench]

ROOT = Path(settings.BASE_DIR)


def test_bench_smoke_run_measures_every_operation(tmp_path):
    if shutil.which("wrk") is None:
        if os.environ.get("CI"):
            pytest.fail("wrk is required in CI (apt-get install wrk)")
        pytest.skip("wrk is not installed")
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    operations = {op["name"]: op for op in results["operations"]}
    assert len(operations) == 16
    for name, op in operations.items():
        if op["kind"] == "job":
            assert op["result"]["median_ms"] > 0, name
            continue
        assert op["result"]["requests"] > 0, name
        assert op["result"]["errors"] == 0, name
        assert op["queries"] is not None and op["queries"] <= 25, (name, op["queries"])
    table = (tmp_path / "results.md").read_text()
    assert "ceiling (a) minimal JSON" in table and "| operation |" in table
    assert "ceiling 0 bare Django view" in table
    assert results["ceiling0_rps"] > 0
    for op in results["operations"]:
        if op["kind"] != "job":
            assert {"rps", "p95_ms", "queries", "ratio_ceiling0"} <= set(op), op["name"]
    assert operations["ceiling 0 bare Django view"]["queries"] == 0
