"""Loading the shared library: version, search order diagnostics, ABI refusal, public names."""

from __future__ import annotations

import ctypes.util
import os

import pytest

import wxface
from wxface import _native


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
    # So that a libwxface installed on this machine cannot satisfy the system loader step.
    monkeypatch.setattr(_native, "_library_file_names", lambda: ["libwxface-not-installed.so"])
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    with pytest.raises(wxface.LibraryNotFoundError) as info:
        _native.load()
    message = str(info.value)
    assert "$WXFACE_LIBRARY: " + missing in message
    assert "bundled copy: " + os.path.join(os.path.dirname(_native.__file__), "libwxface-not-installed.so") in message
    assert "system loader: libwxface-not-installed.so" in message
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
