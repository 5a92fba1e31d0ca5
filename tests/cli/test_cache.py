"""The command line's JAX persistent compilation cache (issue 16): where it goes, how it is
turned off, that JAX's own settings win, and that a bad folder only warns."""

from __future__ import annotations

import os
import subprocess
import sys

import jax
import pytest
from typer.testing import CliRunner

import brexsim.cli
from brexsim.cli import _cache, app
from brexsim.cli._cache import (
    MIN_COMPILE_TIME_S,
    choose_cache_dir,
    configure_compilation_cache,
    configure_error_mode,
)
from brexsim.cli.doctor import check_compilation_cache, get_compilation_cache_dir

_OPTIONS = ("jax_compilation_cache_dir", "jax_persistent_cache_min_compile_time_secs")
_JAX_VARS = ("JAX_COMPILATION_CACHE_DIR", "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS")


@pytest.fixture(autouse=True)
def _restore_jax_options(monkeypatch):
    """Each test starts with no cache folder set and leaves JAX's options as it found them."""
    saved = {name: getattr(jax.config, name) for name in _OPTIONS}
    for var in ("JAX_COMPILATION_CACHE_DIR", "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"):
        monkeypatch.setenv(var, "")  # recorded, so that teardown restores the caller's value
        monkeypatch.delenv(var)
    jax.config.update("jax_compilation_cache_dir", None)
    monkeypatch.setattr(_cache, "_warned", set())
    yield
    for name, value in saved.items():
        jax.config.update(name, value)


@pytest.mark.parametrize("value", ["off", "OFF", "0", "none", " None ", "false", "no"])
def test_off_configures_nothing(value, capsys):
    before = jax.config.jax_persistent_cache_min_compile_time_secs
    assert configure_compilation_cache({"BREXSIM_CACHE_DIR": value}) is None
    assert jax.config.jax_compilation_cache_dir is None
    assert jax.config.jax_persistent_cache_min_compile_time_secs == before
    assert capsys.readouterr().err == ""


def test_a_folder_is_created_and_configured(tmp_path):
    folder = tmp_path / "a" / "cache"
    got = configure_compilation_cache({"BREXSIM_CACHE_DIR": str(folder)})
    assert got == str(folder)
    assert folder.is_dir()
    assert jax.config.jax_compilation_cache_dir == str(folder)
    assert jax.config.jax_persistent_cache_min_compile_time_secs == MIN_COMPILE_TIME_S


def test_the_users_min_compile_time_is_kept(tmp_path):
    before = jax.config.jax_persistent_cache_min_compile_time_secs
    env = {"BREXSIM_CACHE_DIR": str(tmp_path), "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "3"}
    assert configure_compilation_cache(env) == str(tmp_path)
    assert jax.config.jax_persistent_cache_min_compile_time_secs == before


def test_default_folder_follows_xdg_cache_home(tmp_path):
    got = configure_compilation_cache({"XDG_CACHE_HOME": str(tmp_path)})
    assert got == str(tmp_path / "brexsim" / "jax")
    assert (tmp_path / "brexsim" / "jax").is_dir()
    home = choose_cache_dir({"HOME": str(tmp_path)})
    assert home == str(tmp_path / ".cache" / "brexsim" / "jax")


def test_jax_compilation_cache_dir_takes_precedence(tmp_path):
    mine, theirs = tmp_path / "brexsim", tmp_path / "jax"
    env = {"BREXSIM_CACHE_DIR": str(mine), "JAX_COMPILATION_CACHE_DIR": str(theirs)}
    assert configure_compilation_cache(env) == str(theirs)
    assert jax.config.jax_compilation_cache_dir == str(theirs)
    assert not mine.exists() and not theirs.exists(), "JAX creates its own folder"
    # ... and even over BREXSIM_CACHE_DIR=off: the user asked JAX for a cache
    env["BREXSIM_CACHE_DIR"] = "off"
    assert configure_compilation_cache(env) == str(theirs)


def test_an_already_set_option_is_left_alone(tmp_path):
    jax.config.update("jax_compilation_cache_dir", str(tmp_path / "set-in-code"))
    before = jax.config.jax_persistent_cache_min_compile_time_secs
    got = configure_compilation_cache({"BREXSIM_CACHE_DIR": str(tmp_path / "mine")})
    assert got == str(tmp_path / "set-in-code")
    assert jax.config.jax_compilation_cache_dir == got
    assert jax.config.jax_persistent_cache_min_compile_time_secs == before
    assert not (tmp_path / "mine").exists()


def test_a_folder_that_cannot_be_created_warns_once_and_runs_without(tmp_path, capsys):
    (tmp_path / "file").write_text("not a folder")
    bad = tmp_path / "file" / "cache"  # under a file: cannot be created, even by root
    env = {"BREXSIM_CACHE_DIR": str(bad)}
    assert configure_compilation_cache(env) is None
    assert configure_compilation_cache(env) is None
    err = capsys.readouterr().err
    assert err.count("warning") == 1, err
    assert str(bad) in err and "BREXSIM_CACHE_DIR" in err
    assert jax.config.jax_compilation_cache_dir is None


def test_main_never_fails_because_of_the_cache(tmp_path, monkeypatch, capsys):
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("BREXSIM_CACHE_DIR", str(tmp_path / "file" / "cache"))
    monkeypatch.setattr("sys.argv", ["brexsim", "--version"])
    with pytest.raises(SystemExit) as exc:
        brexsim.cli.main()
    assert exc.value.code in (0, None)
    captured = capsys.readouterr()
    assert "brexsim " in captured.out and "warning" in captured.err


def test_main_configures_the_cache_before_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("BREXSIM_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setattr("sys.argv", ["brexsim", "--version"])
    with pytest.raises(SystemExit):
        brexsim.cli.main()
    assert jax.config.jax_compilation_cache_dir == str(tmp_path / "c")
    assert (tmp_path / "c").is_dir()
    # exported for worker processes, which import JAX afresh
    assert os.environ["JAX_COMPILATION_CACHE_DIR"] == str(tmp_path / "c")
    assert float(os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"]) == MIN_COMPILE_TIME_S


def test_a_dict_env_exports_nothing(tmp_path):
    configure_compilation_cache({"BREXSIM_CACHE_DIR": str(tmp_path)})
    assert "JAX_COMPILATION_CACHE_DIR" not in os.environ


def test_the_test_suite_runs_with_the_cache_off():
    """tests/conftest.py sets BREXSIM_CACHE_DIR=off unless the caller chose a folder, so that
    console-script subprocesses of the suite do not write to ~/.cache."""
    assert os.environ.get("BREXSIM_CACHE_DIR")


def test_doctor_reports_the_folder_the_command_line_uses(tmp_path, monkeypatch):
    monkeypatch.setenv("BREXSIM_CACHE_DIR", str(tmp_path / "dc"))
    assert get_compilation_cache_dir() == str(tmp_path / "dc")
    r = CliRunner().invoke(app, ["doctor", "--json", "--out", str(tmp_path / "o")])
    assert str(tmp_path / "dc") in r.stdout and "not created yet" in r.stdout
    monkeypatch.setenv("BREXSIM_CACHE_DIR", "off")
    assert get_compilation_cache_dir() is None
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path / "j"))
    assert get_compilation_cache_dir() == str(tmp_path / "j")


def test_doctor_warns_when_the_folder_cannot_be_created(tmp_path):
    (tmp_path / "file").write_text("x")
    c = check_compilation_cache(tmp_path / "file" / "cache")
    assert c.status == "WARN" and "cannot be created" in c.reason


def test_error_mode_is_left_alone_once_equinox_is_imported(monkeypatch):
    import equinox  # noqa: F401  (Equinox has read EQX_ON_ERROR already)

    monkeypatch.delenv("EQX_ON_ERROR", raising=False)
    assert configure_error_mode(["simulate"], "/some/cache") is None
    assert "EQX_ON_ERROR" not in os.environ


def test_a_cached_simulate_writes_its_batched_solve_to_the_cache(tmp_path):
    """The console script in a fresh process: ``simulate`` sets EQX_ON_ERROR=nan, so the
    jitted batch solve (no host callback left) is written to the persistent cache."""
    env = {k: v for k, v in os.environ.items() if k not in ("EQX_ON_ERROR", *_JAX_VARS)}
    env["BREXSIM_CACHE_DIR"] = str(tmp_path / "c")
    script = (
        "import sys, os; sys.argv = ['brexsim', 'simulate', '--regimen', 'zulresso', '--out', "
        f"{str(tmp_path / 'out')!r}]; import brexsim.cli\n"
        "try:\n    brexsim.cli.main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print('EQX_ON_ERROR=' + os.environ['EQX_ON_ERROR'])"
    )
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=900)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "EQX_ON_ERROR=nan" in run.stdout
    assert any(p.name.startswith("jit_batch-") for p in (tmp_path / "c").iterdir())
