"""A client's native object is freed exactly once: by close(), by a with block, or by garbage
collection of a forgotten client. Frees are counted by wrapping the declared free function."""

from __future__ import annotations

import ctypes
import gc
from typing import List

import pytest

import wxface
from wxface import _native

from conftest import ORG, Sim, UNKNOWN_USER, user_id


def record_frees(monkeypatch: pytest.MonkeyPatch, native: _native.NativeLibrary, name: str) -> List[int]:
    """Wraps the native free function `name`: the addresses it is given (then really freed),
    in call order."""
    freed: List[int] = []
    real_free = getattr(native, name)

    def recording_free(ptr: "ctypes._Pointer[ctypes.Structure]") -> None:
        freed.append(ctypes.addressof(ptr.contents))
        real_free(ptr)

    monkeypatch.setattr(native, name, recording_free)
    return freed


@pytest.fixture
def frees(monkeypatch: pytest.MonkeyPatch, native: _native.NativeLibrary) -> List[int]:
    """Addresses passed to the library's client free function, in call order."""
    return record_frees(monkeypatch, native, "client_free")


def _address(client: wxface.Client) -> int:
    return ctypes.addressof(client._handle._ptr.contents)


def test_close_frees_once_and_is_idempotent(sim: Sim, frees: List[int]) -> None:
    client = wxface.Client(sim.config())
    address = _address(client)
    assert not client.closed
    client.close()
    assert frees == [address]
    assert client.closed
    client.close()
    assert frees == [address]


def test_closed_client_refuses_calls(sim: Sim) -> None:
    client = wxface.Client(sim.config())
    client.close()
    with pytest.raises(wxface.InvalidArgumentError, match="closed"):
        client.terminate_contract(ORG, user_id(1))


def test_context_manager_closes(sim: Sim, frees: List[int], user: str) -> None:
    with wxface.Client(sim.config()) as client:
        address = _address(client)
        client.terminate_contract(ORG, user)
        assert frees == []
    assert client.closed
    assert frees == [address]


def test_context_manager_closes_on_error(sim: Sim, frees: List[int]) -> None:
    with pytest.raises(wxface.ApiError):
        with wxface.Client(sim.config()) as client:
            address = _address(client)
            client.terminate_contract(ORG, UNKNOWN_USER)
    assert frees == [address]


def test_forgotten_client_is_freed_by_garbage_collection(sim: Sim, frees: List[int]) -> None:
    client = wxface.Client(sim.config())
    address = _address(client)
    finalizer = client._finalizer
    del client
    gc.collect()
    assert not finalizer.alive
    assert frees == [address]


def test_client_in_a_reference_cycle_is_freed(sim: Sim, frees: List[int]) -> None:
    client = wxface.Client(sim.config())
    address = _address(client)
    client.myself = client  # type: ignore[attr-defined]
    del client
    gc.collect()
    assert frees == [address]


def test_close_during_a_call_defers_the_free(sim: Sim, frees: List[int]) -> None:
    client = wxface.Client(sim.config())
    address = _address(client)
    handle = client._handle
    handle.acquire()  # as terminate_contract does around the native call
    client.close()
    assert frees == [], "freed under a running call"
    handle.release()
    assert frees == [address]


def test_failed_config_creates_nothing_to_free(sim: Sim, frees: List[int]) -> None:
    with pytest.raises(wxface.ConfigError):
        wxface.Client(sim.config(surprise=True))
    gc.collect()
    assert frees == []


def test_every_native_error_is_freed(
    monkeypatch: pytest.MonkeyPatch, native: _native.NativeLibrary, client: wxface.Client
) -> None:
    errors = record_frees(monkeypatch, native, "error_free")
    for bad in ("", "..", UNKNOWN_USER):
        with pytest.raises(wxface.WxfaceError):
            client.terminate_contract(ORG, bad)
    assert len(errors) == 3
