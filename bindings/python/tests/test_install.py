"""The README's Python install blocks, run verbatim (scripts/readme-block) in fresh virtualenvs
with WXFACE_LIBRARY unset: `pip install ./bindings/python` builds the library with cargo and
bundles it, and the wheel of `python -m build --wheel` is tagged for this platform and works in
another fresh venv. Each install then makes a real call against wxface-sim.

Cargo reuses $CARGO_TARGET_DIR (scripts/test-python sets it), so its builds are incremental, and
pip takes its build dependencies from its cache or PyPI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
import zipfile
from pathlib import Path
from typing import Dict, Tuple

import pytest

import wxface
from wxface import _native

from conftest import ORG, REPO, Sim

#: A real call with the installed package: prints the HTTP status and where the library came from.
CALL = """
import sys
import wxface
from wxface import _native

with wxface.Client.from_file(sys.argv[1]) as client:
    response = client.terminate_contract(sys.argv[2], sys.argv[3])
print(response.http_status, _native.lib().path)
"""


def _child_env() -> Dict[str, str]:
    """This environment without WXFACE_LIBRARY: the installs must find their own library."""
    env = {name: value for name, value in os.environ.items() if name != _native.LIBRARY_ENV}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _remove_build_dirs() -> None:
    # pip and build build a local folder in place; a setuptools build/ left behind could carry
    # deleted modules into the next wheel.
    shutil.rmtree(REPO / "bindings" / "python" / "build", ignore_errors=True)
    shutil.rmtree(REPO / "bindings" / "python" / "src" / "wxface.egg-info", ignore_errors=True)


def run_readme_block(name: str, cwd: Path) -> str:
    """Runs README.md's block NAME with bash in CWD; returns its stdout."""
    block = subprocess.run(
        [str(REPO / "scripts" / "readme-block"), name], capture_output=True, text=True, check=True
    ).stdout
    _remove_build_dirs()
    try:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            cwd=cwd, env=_child_env(), capture_output=True, text=True, timeout=900,
        )
    finally:
        _remove_build_dirs()
    assert done.returncode == 0, f"README block {name} failed:\n{block}\n--- output:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def terminate_with(python: Path, sim: Sim, user: str) -> Tuple[str, Path]:
    """Terminates USER's contract with PYTHON's wxface; returns the HTTP status and the library's path."""
    done = subprocess.run(
        [str(python), "-c", CALL, str(sim.config_path), ORG, user],
        env=_child_env(), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    status, origin = done.stdout.split()
    return status, Path(origin)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder that looks like the root of this checkout to the README's blocks (``bindings`` is a
    link to this checkout's), so that their venvs and dist/ land in a temporary folder."""
    root = tmp_path_factory.mktemp("checkout")
    (root / "bindings").symlink_to(REPO / "bindings")
    return root


def test_pip_install_builds_and_bundles_the_library(checkout: Path, sim: Sim, user: str) -> None:
    output = run_readme_block("python-pip-install", checkout)
    assert output.splitlines()[-1] == wxface.library_version()

    venv = checkout / ".venv"
    status, origin = terminate_with(venv / "bin" / "python", sim, user)
    assert status == "204"
    # The copy pip built into the package, not a library found elsewhere.
    assert origin.name == "libwxface.so" and origin.parent.name == "wxface"
    assert origin.is_relative_to(venv), origin


def test_the_wheel_is_tagged_for_this_platform_and_runs_in_another_venv(checkout: Path, sim: Sim, user: str) -> None:
    output = run_readme_block("python-wheel", checkout)
    assert output.splitlines()[-1] == wxface.library_version()

    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    wheels = sorted((checkout / "dist").glob("*.whl"))
    assert [w.name for w in wheels] == [f"wxface-{wxface.__version__}-py3-none-{platform}.whl"]
    with zipfile.ZipFile(wheels[0]) as wheel:
        assert "wxface/libwxface.so" in wheel.namelist()

    venv = checkout / ".venv-app"
    status, origin = terminate_with(venv / "bin" / "python", sim, user)
    assert status == "204"
    assert origin.name == "libwxface.so" and origin.parent.name == "wxface"
    assert origin.is_relative_to(venv), origin
