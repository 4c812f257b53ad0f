"""Loading the shared library: version, search order, its diagnostics, ABI refusal, public names."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

import wxface
from wxface import _native

from conftest import REPO

#: The copy that `pip install` built into the package (scripts/python-wxface installs it so).
BUNDLED = Path(_native.__file__).with_name("libwxface.so")
BUILT = REPO / "target" / "release" / "libwxface.so"


def loaded_from(env: Dict[str, str], without_bundled_copy: bool = False) -> str:
    """Where a new interpreter with this package loads the library from, with ENV over the
    current environment minus WXFACE_LIBRARY (the loader reads LD_LIBRARY_PATH at start-up)."""
    child_env = {name: value for name, value in os.environ.items() if name != _native.LIBRARY_ENV}
    child_env.update(env)
    code = ["from wxface import _native"]
    if without_bundled_copy:
        code.append('_native._bundled_file_name = lambda: "libwxface-not-bundled.so"')
    code.append("print(_native.lib().path)")
    done = subprocess.run(
        [sys.executable, "-c", "; ".join(code)],
        env=child_env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def system_dir(tmp_path: Path) -> Path:
    """A folder the system loader searches (through LD_LIBRARY_PATH) holding the library under
    its SONAME and under its development name, as `make install` leaves it."""
    folder = tmp_path / "system"
    folder.mkdir()
    for name in ("libwxface.so.1", "libwxface.so"):
        (folder / name).symlink_to(BUILT)
    return folder


def test_the_package_bundles_the_library() -> None:
    assert BUNDLED.is_file(), f"{BUNDLED} is missing: pip install ./bindings/python builds it"


def test_wxface_library_wins_over_the_bundled_copy(tmp_path: Path) -> None:
    copy = tmp_path / "libwxface-elsewhere.so"
    shutil.copyfile(BUILT, copy)
    assert loaded_from({_native.LIBRARY_ENV: str(copy)}) == str(copy)


def test_the_bundled_copy_wins_over_the_system_library(system_dir: Path) -> None:
    assert loaded_from({"LD_LIBRARY_PATH": str(system_dir)}) == str(BUNDLED)


def test_the_system_loader_tries_the_soname_first(system_dir: Path) -> None:
    assert loaded_from({"LD_LIBRARY_PATH": str(system_dir)}, without_bundled_copy=True) == "libwxface.so.1"


def test_the_system_loader_then_tries_the_development_name(system_dir: Path) -> None:
    (system_dir / "libwxface.so.1").unlink()
    assert loaded_from({"LD_LIBRARY_PATH": str(system_dir)}, without_bundled_copy=True) == "libwxface.so"


def test_windows_looks_for_the_dll_by_the_name_of_the_windows_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """The x86_64-pc-windows-gnu build (make windows) is wxface.dll; setup.py bundles it under
    that name, and the system loader is asked for it first."""
    monkeypatch.delenv(_native.LIBRARY_ENV, raising=False)
    monkeypatch.setattr(sys, "platform", "win32")
    here = os.path.dirname(os.path.abspath(_native.__file__))
    assert list(_native.candidates()) == [
        ("bundled copy", os.path.join(here, "wxface.dll")),
        ("system loader", "wxface.dll"),
        ("system loader", "libwxface.dll"),
    ]
    assert '"win32": "wxface.dll"' in (REPO / "bindings" / "python" / "setup.py").read_text()


def test_library_version_names_wxface() -> None:
    version = wxface.library_version()
    assert version.startswith("wxface/"), version


def test_wrapper_version_is_a_string() -> None:
    assert isinstance(wxface.__version__, str) and wxface.__version__.count(".") == 2


def test_loaded_library_has_abi_1(native: _native.NativeLibrary) -> None:
    assert native.abi_version() == _native.ABI_VERSION == wxface._capi.ABI_VERSION


def test_status_names(native: _native.NativeLibrary) -> None:
    assert native.status_str(wxface.Status.OK) == b"ok"
    assert native.status_str(12345) == b"unknown status"


def test_missing_library_error_lists_every_place_tried(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    missing = str(tmp_path / "libwxface-missing.so")
    monkeypatch.setenv(_native.LIBRARY_ENV, missing)
    # So that the bundled copy and a libwxface installed on this machine cannot satisfy the
    # second and third steps.
    monkeypatch.setattr(_native, "_bundled_file_name", lambda: "libwxface-not-bundled.so")
    monkeypatch.setattr(_native, "_system_file_names", lambda: ["libwxface-not-installed.so.1", "libwxface-not-installed.so"])
    with pytest.raises(wxface.LibraryNotFoundError) as info:
        _native.load()
    message = str(info.value)
    assert "$WXFACE_LIBRARY: " + missing in message
    assert "bundled copy: " + os.path.join(os.path.dirname(_native.__file__), "libwxface-not-bundled.so") in message
    assert message.index("system loader: libwxface-not-installed.so.1") < message.index("system loader: libwxface-not-installed.so (")
    assert "set WXFACE_LIBRARY" in message
    assert isinstance(info.value, ImportError)
    assert isinstance(info.value, wxface.WxfaceError)


def test_library_with_another_abi_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert os.environ.get(_native.LIBRARY_ENV), "run with WXFACE_LIBRARY set (scripts/test-python does)"
    monkeypatch.setattr(_native, "ABI_VERSION", 2)
    with pytest.raises(wxface.LibraryNotFoundError, match=r"has wxface ABI 1, but .* needs ABI 2"):
        _native.load()


def test_public_names() -> None:
    for name in wxface.__all__:
        assert getattr(wxface, name) is not None
        obj = getattr(wxface, name)
        if callable(obj) and name != "ConfigSource":
            assert obj.__doc__, f"wxface.{name} has no docstring"


@pytest.mark.parametrize(
    "cls, status, builtin",
    [
        (wxface.InvalidArgumentError, wxface.Status.INVALID_ARGUMENT, ValueError),
        (wxface.ConfigError, wxface.Status.CONFIG, None),
        (wxface.NetworkError, wxface.Status.NETWORK, ConnectionError),
        (wxface.WxfaceTimeoutError, wxface.Status.TIMEOUT, TimeoutError),
        (wxface.TlsError, wxface.Status.TLS, ConnectionError),
        (wxface.ApiError, wxface.Status.API, None),
        (wxface.SignatureError, wxface.Status.SIGNATURE, None),
        (wxface.ResponseError, wxface.Status.RESPONSE, None),
        (wxface.InternalError, wxface.Status.INTERNAL, None),
        (wxface.LibraryNotFoundError, wxface.Status.OK, ImportError),
    ],
)
def test_exception_classes(cls, status: int, builtin) -> None:
    exc = cls("boom", http_status=502, api_code="X", request_id="r", detail={"a": 1})
    assert isinstance(exc, wxface.WxfaceError) and isinstance(exc, Exception)
    if builtin is not None:
        assert isinstance(exc, builtin)
    assert (exc.status, exc.message, exc.http_status, exc.api_code, exc.request_id, exc.detail) == (
        status, "boom", 502, "X", "r", {"a": 1})
    assert str(exc) == "boom"
