"""``brexsim doctor``: the report names what is installed and fails on what cannot work."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import jax
import numpy as np
import pytest
from typer.testing import CliRunner

from brexsim import __version__
from brexsim.cli import app
from brexsim.cli.doctor import (
    STATUSES,
    check_compilation_cache,
    check_distribution,
    check_output_folder,
    format_checks,
    get_compilation_cache_dir,
)
from brexsim.params import load_parameters

runner = CliRunner()


def _json_checks(*args: str) -> tuple[int, dict[str, dict]]:
    r = runner.invoke(app, ["doctor", "--json", *args])
    data = json.loads(r.stdout)
    by_name = {c["name"]: c for c in data["checks"]}
    assert len(by_name) == len(data["checks"]), "check names are unique"
    counts = {s: sum(c["status"] == s for c in data["checks"]) for s in STATUSES}
    assert data["counts"] == counts
    return r.exit_code, by_name


def test_json_report_names_the_real_versions_hash_and_devices(tmp_path):
    code, checks = _json_checks("--out", str(tmp_path))
    assert code == 0, checks
    assert checks["parameter hash"]["value"].split()[0] == load_parameters().hash
    assert checks["brexsim"]["value"].startswith(__version__ + " ")
    assert checks["numpy"]["value"] == np.__version__
    assert checks["jax"]["value"] == jax.__version__
    assert checks["Python"]["value"].startswith(".".join(map(str, sys.version_info[:3])))
    for dep in ("jaxlib", "diffrax", "pandas", "pyarrow", "matplotlib", "shiny", "dask"):
        assert re.fullmatch(r"\d+(\.\d+)+\S*", checks[dep]["value"]), checks[dep]
    assert checks["JAX backend"]["value"] == jax.default_backend()
    assert checks["JAX devices"]["value"].startswith(f"{len(jax.devices())}: ")
    assert checks["JAX float64"]["status"] == "OK"
    assert checks["output folder"]["status"] == "OK"
    assert str(tmp_path) in checks["output folder"]["value"]
    cpus = checks["CPUs"]["value"]
    assert cpus.endswith(f"of {os.cpu_count()}")
    assert all(c["status"] in STATUSES for c in checks.values())
    assert os.listdir(tmp_path) == [], "the write probe leaves nothing behind"


def test_text_block_has_one_line_per_check_and_the_count(tmp_path):
    r = runner.invoke(app, ["doctor", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert lines[0] == "brexsim doctor"
    body = lines[1:-1]
    assert all(re.match(r"\[(OK|WARN|FAIL)\] ", ln) for ln in body), body
    n_ok = sum(ln.startswith("[OK]") for ln in body)
    assert lines[-1].startswith(f"{n_ok} OK, ")
    assert any(load_parameters().hash in ln for ln in body)


@pytest.mark.parametrize(
    "kind",
    [
        "file",
        pytest.param(
            "proc", marks=pytest.mark.skipif(not Path("/proc").is_dir(), reason="no /proc")
        ),
    ],
)
def test_unwritable_output_folder_fails_naming_it(tmp_path, kind):
    if kind == "file":
        target = tmp_path / "results.txt"
        target.write_text("not a folder")
        why = "existing file"
    else:
        target = Path("/proc/brexsim-doctor-test/out")  # no folder can be made under /proc
        why = "can be written"
    code, checks = _json_checks("--out", str(target))
    assert code == 1
    out = checks["output folder"]
    assert out["status"] == "FAIL"
    assert out["value"] == str(target)
    assert why in out["reason"]
    r = runner.invoke(app, ["doctor", "--out", str(target)])
    assert r.exit_code == 1
    fail_lines = [ln for ln in r.stdout.splitlines() if ln.startswith("[FAIL]")]
    assert len(fail_lines) == 1 and str(target) in fail_lines[0]
    assert r.stdout.strip().splitlines()[-1].endswith(", 1 FAIL")


def test_distribution_outside_its_range_or_missing():
    bad = check_distribution("numpy<1.0")
    assert (bad.status, bad.value) == ("FAIL", np.__version__)
    assert "<1.0" in bad.reason
    missing = check_distribution("no-such-distribution-brexsim>=2")
    assert (missing.status, missing.value) == ("FAIL", "not installed")
    assert "no-such-distribution-brexsim>=2" in missing.reason
    assert check_distribution("no-such-distribution-brexsim", required=False).status == "WARN"


def test_compilation_cache_size_and_location(tmp_path, monkeypatch):
    cache = tmp_path / "jax-cache"
    (cache / "sub").mkdir(parents=True)
    (cache / "a").write_bytes(b"x" * 1000)
    (cache / "sub" / "b").write_bytes(b"y" * 536)
    c = check_compilation_cache(cache)
    assert c.status == "OK"
    assert c.value == f"{cache} (1.5 KiB in 2 files)"
    assert "not created yet" in check_compilation_cache(tmp_path / "none").value
    (tmp_path / "f").write_text("x")
    assert check_compilation_cache(tmp_path / "f").status == "WARN"
    if jax.config.jax_compilation_cache_dir is None:
        monkeypatch.setenv("BREXSIM_CACHE_DIR", "off")
        monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(cache))
        assert get_compilation_cache_dir() == str(cache)
        monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR")
        assert get_compilation_cache_dir() is None
        assert check_compilation_cache(None).value == "not configured"


def test_new_output_folder_is_ok_and_not_created(tmp_path):
    target = tmp_path / "a" / "b"
    c = check_output_folder(target)
    assert c.status == "OK" and "does not exist yet" in c.reason
    assert not (tmp_path / "a").exists()


def test_format_checks_counts():
    text = format_checks([])
    assert text.splitlines() == ["brexsim doctor", "0 OK, 0 WARN, 0 FAIL"]
