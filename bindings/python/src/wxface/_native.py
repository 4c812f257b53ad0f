"""Private layer: finds and loads the wxface shared library and declares every C function once.

Nothing here is public API. The public module (`wxface`) calls the functions through
:func:`lib`, which loads the library on first use (thread-safe) and returns a
:class:`NativeLibrary` whose attributes are the declared C functions.

Search order (shared with the PHP wrapper, see ``bindings.md``):

1. the environment variable ``WXFACE_LIBRARY`` (full path to the shared library);
2. a copy shipped inside this package (next to this file);
3. the system loader (``libwxface.so`` / ``libwxface.dylib`` / ``wxface.dll``).

A library whose ``wxface_abi_version()`` differs from :data:`ABI_VERSION` is refused.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from ctypes import POINTER, c_char_p, c_int, c_size_t, c_uint16, c_uint32
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ._errors import LibraryNotFoundError

#: The ABI generation this wrapper was written for (``WXFACE_ABI_VERSION`` of include/wxface.h).
ABI_VERSION = 1

#: Environment variable naming the shared library to load (first place searched).
LIBRARY_ENV = "WXFACE_LIBRARY"


class wxface_client(ctypes.Structure):
    """Opaque ``wxface_client``."""


class wxface_client_builder(ctypes.Structure):
    """Opaque ``wxface_client_builder``."""


class wxface_error(ctypes.Structure):
    """Opaque ``wxface_error``."""


client_p = POINTER(wxface_client)
client_pp = POINTER(client_p)
builder_p = POINTER(wxface_client_builder)
error_p = POINTER(wxface_error)
error_pp = POINTER(error_p)
status_t = c_uint32
# `const uint8_t *` key material: ctypes passes bytes objects for c_char_p without copying.
bytes_p = c_char_p

# The one declaration table: name -> (restype, argtypes), in the order of include/wxface.h.
# tests/test_header.py fails when this table and the header disagree.
FUNCTIONS: Dict[str, Tuple[Any, Sequence[Any]]] = {
    "wxface_client_builder_new": (builder_p, ()),
    "wxface_client_builder_set_merchant": (status_t, (builder_p, c_char_p, c_char_p, error_pp)),
    "wxface_client_builder_set_private_key_pem": (status_t, (builder_p, bytes_p, c_size_t, error_pp)),
    "wxface_client_builder_set_private_key_file": (status_t, (builder_p, c_char_p, error_pp)),
    "wxface_client_builder_add_wechatpay_public_key_pem": (
        status_t,
        (builder_p, c_char_p, bytes_p, c_size_t, error_pp),
    ),
    "wxface_client_builder_add_platform_certificate_pem": (
        status_t,
        (builder_p, bytes_p, c_size_t, error_pp),
    ),
    "wxface_client_builder_set_base_url": (status_t, (builder_p, c_char_p, error_pp)),
    "wxface_client_builder_set_backup_base_url": (status_t, (builder_p, c_char_p, error_pp)),
    "wxface_client_builder_add_root_ca_pem": (status_t, (builder_p, bytes_p, c_size_t, error_pp)),
    "wxface_client_builder_set_timeouts": (status_t, (builder_p, c_uint32, c_uint32, error_pp)),
    "wxface_client_builder_set_proxy": (status_t, (builder_p, c_char_p, error_pp)),
    "wxface_client_builder_build": (status_t, (builder_p, client_pp, error_pp)),
    "wxface_client_builder_free": (None, (builder_p,)),
    "wxface_client_new_from_json": (status_t, (c_char_p, client_pp, error_pp)),
    "wxface_client_free": (None, (client_p,)),
    "wxface_terminate_contract": (status_t, (client_p, c_char_p, c_char_p, error_pp)),
    "wxface_error_status": (status_t, (error_p,)),
    "wxface_error_message": (c_char_p, (error_p,)),
    "wxface_error_http_status": (c_uint16, (error_p,)),
    "wxface_error_api_code": (c_char_p, (error_p,)),
    "wxface_error_request_id": (c_char_p, (error_p,)),
    "wxface_error_detail_json": (c_char_p, (error_p,)),
    "wxface_error_request_sent": (c_int, (error_p,)),
    "wxface_error_free": (None, (error_p,)),
    "wxface_version": (c_char_p, ()),
    "wxface_abi_version": (c_uint32, ()),
    "wxface_status_str": (c_char_p, (c_uint32,)),
}


class NativeLibrary:
    """The loaded library: one attribute per entry of :data:`FUNCTIONS` (a ctypes function).

    Calls go through ``ctypes.CDLL`` functions, which release the GIL while the C code runs.
    """

    def __init__(self, cdll: ctypes.CDLL, path: str) -> None:
        self.cdll = cdll
        self.path = path
        for name, (restype, argtypes) in FUNCTIONS.items():
            try:
                fn = getattr(cdll, name)
            except AttributeError:
                raise LibraryNotFoundError(
                    f"{path} has no function {name}: it is not a wxface library of ABI "
                    f"{ABI_VERSION}; point {LIBRARY_ENV} at the right libwxface"
                ) from None
            fn.restype = restype
            fn.argtypes = list(argtypes)
            setattr(self, name, fn)

    # Declared for type checkers; the real values are set in __init__.
    def __getattr__(self, name: str) -> Any:  # pragma: no cover - only for unknown names
        raise AttributeError(f"wxface C function {name!r} is not declared in _native.FUNCTIONS")


def _library_file_names() -> List[str]:
    """The file names the system loader is asked for, this platform's first."""
    if sys.platform == "darwin":
        return ["libwxface.dylib", "libwxface.so"]
    if os.name == "nt":
        return ["wxface.dll", "libwxface.dll"]
    return ["libwxface.so"]


def candidates() -> List[Tuple[str, str]]:
    """Every place searched, in order, as ``(description, name or path to load)``."""
    found: List[Tuple[str, str]] = []
    env = os.environ.get(LIBRARY_ENV)
    if env:
        found.append((f"${LIBRARY_ENV}", env))
    here = os.path.dirname(os.path.abspath(__file__))
    for name in _library_file_names():
        found.append(("bundled copy", os.path.join(here, name)))
    located = ctypes.util.find_library("wxface")
    if located:
        found.append(("system loader (find_library)", located))
    for name in _library_file_names():
        found.append(("system loader", name))
    return found


def _check_abi(cdll: ctypes.CDLL, path: str) -> None:
    try:
        abi_fn = cdll.wxface_abi_version
    except AttributeError:
        raise LibraryNotFoundError(
            f"{path} loaded but has no wxface_abi_version(): it is not a wxface library; "
            f"point {LIBRARY_ENV} at libwxface"
        ) from None
    abi_fn.restype = c_uint32
    abi_fn.argtypes = []
    abi = abi_fn()
    if abi != ABI_VERSION:
        raise LibraryNotFoundError(
            f"{path} has wxface ABI {abi}, but this wxface Python package (ABI {ABI_VERSION}) "
            f"needs ABI {ABI_VERSION}: install the matching library or wrapper version, "
            f"or point {LIBRARY_ENV} at a matching libwxface"
        )


def load() -> NativeLibrary:
    """Loads the library from the first place that works; raises LibraryNotFoundError otherwise."""
    tried: List[str] = []
    for description, target in candidates():
        if description == "bundled copy" and not os.path.exists(target):
            tried.append(f"  {description}: {target} (no such file)")
            continue
        try:
            cdll = ctypes.CDLL(target)
        except OSError as exc:
            tried.append(f"  {description}: {target} ({exc})")
            continue
        # A library found but unusable is an error at once: falling through to another copy
        # would hide a broken installation.
        _check_abi(cdll, target)
        return NativeLibrary(cdll, target)
    if not os.environ.get(LIBRARY_ENV):
        tried.insert(0, f"  ${LIBRARY_ENV}: not set")
    raise LibraryNotFoundError(
        "cannot load the wxface shared library; tried:\n"
        + "\n".join(tried)
        + f"\nset {LIBRARY_ENV} to the full path of libwxface (e.g. target/release/libwxface.so), "
        "or install it where the system loader finds it (e.g. /usr/local/lib, then ldconfig)"
    )


_lock = threading.Lock()
_loaded: Optional[NativeLibrary] = None


def lib() -> NativeLibrary:
    """The loaded library (loaded on first call, once, thread-safe)."""
    global _loaded
    loaded = _loaded
    if loaded is not None:
        return loaded
    with _lock:
        if _loaded is None:
            _loaded = load()
        return _loaded
