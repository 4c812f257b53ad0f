"""The generated declarations (``wxface._capi``, made by build.rs from the header) against the
loaded library: every function is there and bound with the declared types."""

from __future__ import annotations

import pytest

import wxface
from wxface import _capi, _native


@pytest.mark.parametrize("name", sorted(_capi.FUNCTIONS))
def test_every_declared_function_is_bound_with_its_types(native: _native.NativeLibrary, name: str) -> None:
    c_name, restype, argtypes = _capi.FUNCTIONS[name]
    assert c_name == "wxface_" + name
    bound = getattr(native, name)
    assert bound is getattr(native.cdll, c_name)
    assert bound.restype is restype
    assert list(bound.argtypes) == list(argtypes)


def test_status_values_are_the_library_names_for_them(native: _native.NativeLibrary) -> None:
    statuses = {k: v for k, v in vars(_capi.Status).items() if not k.startswith("_")}
    assert len(set(statuses.values())) == len(statuses), "each status has its own number"
    for name, value in statuses.items():
        assert native.status_str(value) != b"unknown status", name
    assert wxface.Status is _capi.Status
