"""Private layer: finds and loads the wxface shared library and binds the C functions that
``_capi`` (generated from the header) declares.

Nothing here is public API. The public module (`wxface`) calls the functions through
:func:`lib`, which loads the library on first use (thread-safe) and returns a
:class:`NativeLibrary` whose attributes are the C functions.

Search order (the PHP wrapper searches the same way):

1. the environment variable ``WXFACE_LIBRARY`` (full path to the shared library);
2. the copy shipped inside this package, next to this file (``pip install`` builds it);
3. the system loader: ``libwxface.so.1`` (the SONAME ``make install`` installs), then
   ``libwxface.so`` (``libwxface.dylib`` on macOS; ``wxface.dll``, the name of the Windows
   build, then ``libwxface.dll`` on Windows). On Windows, Python 3.8 and later look for a bare
   DLL name in python.exe's folder, System32 and the folders given to ``os.add_dll_directory``,
   not in PATH or the working directory: elsewhere, name the file in ``WXFACE_LIBRARY``.

A library whose ABI generation differs from :data:`ABI_VERSION` is refused.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from ctypes import POINTER, c_uint32
from typing import Any, Iterator, List, Optional, Tuple

from . import _capi
from ._errors import LibraryNotFoundError

#: The ABI generation this wrapper was written for (``WXFACE_ABI_VERSION`` of include/wxface.h).
ABI_VERSION = _capi.ABI_VERSION

#: Environment variable naming the shared library to load (first place searched).
LIBRARY_ENV = "WXFACE_LIBRARY"

client_p = POINTER(_capi.wxface_client)
builder_p = POINTER(_capi.wxface_client_builder)
error_p = POINTER(_capi.wxface_error)
response_p = POINTER(_capi.wxface_response)
notification_p = POINTER(_capi.wxface_notification)


class NativeLibrary:
    """The loaded library: one attribute per C function, named as in :data:`_capi.FUNCTIONS`
    (the C name without ``wxface_``), each a ctypes function with the header's types.

    Calls go through ``ctypes.CDLL`` functions, which release the GIL while the C code runs.
    """

    def __init__(self, cdll: ctypes.CDLL, path: str) -> None:
        self.cdll = cdll
        self.path = path
        for name, (c_name, restype, argtypes) in _capi.FUNCTIONS.items():
            try:
                fn = getattr(cdll, c_name)
            except AttributeError:
                raise LibraryNotFoundError(
                    f"{path} has no function {c_name}: it is not a wxface library of ABI "
                    f"{ABI_VERSION}; point {LIBRARY_ENV} at the right libwxface"
                ) from None
            fn.restype = restype
            fn.argtypes = list(argtypes)
            setattr(self, name, fn)

    # Declared for type checkers; the real values are set in __init__.
    def __getattr__(self, name: str) -> Any:  # pragma: no cover - only for unknown names
        raise AttributeError(f"wxface C function {name!r} is not in _capi.FUNCTIONS")


def _bundled_file_name() -> str:
    """The name of the copy shipped in this package (setup.py gives it this name)."""
    if sys.platform == "darwin":
        return "libwxface.dylib"
    if sys.platform == "win32":
        return "wxface.dll"
    return "libwxface.so"


def _system_file_names() -> List[str]:
    """The names the system loader is asked for, in order. On Linux the SONAME comes first: it is
    what an installed runtime package provides, while ``libwxface.so`` may be only the
    development symlink to it (or a copy installed by hand)."""
    if sys.platform == "darwin":
        return ["libwxface.dylib", "libwxface.so"]
    if sys.platform == "win32":
        return ["wxface.dll", "libwxface.dll"]
    return ["libwxface.so.1", "libwxface.so"]


def candidates() -> Iterator[Tuple[str, str]]:
    """Every place searched, in order, as ``(description, name or path to load)``; lazily,
    since :func:`load` stops at the first place that works."""
    env = os.environ.get(LIBRARY_ENV)
    if env:
        yield (f"${LIBRARY_ENV}", env)
    here = os.path.dirname(os.path.abspath(__file__))
    yield ("bundled copy", os.path.join(here, _bundled_file_name()))
    # Bare names: dlopen searches LD_LIBRARY_PATH, the ldconfig cache and the default paths.
    # (ctypes.util.find_library would only find the same names, at the cost of running
    # ldconfig or a compiler as child processes.)
    for name in _system_file_names():
        yield ("system loader", name)


def _check_abi(cdll: ctypes.CDLL, path: str) -> None:
    try:
        abi_fn = getattr(cdll, _capi.FUNCTIONS["abi_version"][0])
    except AttributeError:
        raise LibraryNotFoundError(
            f"{path} loaded but reports no ABI version: it is not a wxface library; "
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
        "reinstall this package with pip from the wxface sources (it builds and bundles the library), "
        "or install it where the system loader finds it (`make install`, then ldconfig)"
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
