"""The owner of one native ``wxface_client`` pointer."""

from __future__ import annotations

import threading
from typing import Any

from ._errors import InvalidArgumentError


class Handle:
    """Owns the native pointer: counts running calls so that ``close()`` from any thread never
    frees the client under a running call (the free then happens when the last call returns)."""

    __slots__ = ("_lib", "_ptr", "_lock", "_calls", "_closing")

    def __init__(self, lib: Any, ptr: Any) -> None:
        self._lib = lib
        self._ptr = ptr
        self._lock = threading.Lock()
        self._calls = 0
        self._closing = False

    @property
    def closed(self) -> bool:
        return self._closing

    def acquire(self) -> Any:
        with self._lock:
            if self._closing or self._ptr is None:
                raise InvalidArgumentError("the wxface client is closed")
            self._calls += 1
            return self._ptr

    def release(self) -> None:
        with self._lock:
            self._calls -= 1
            ptr = self._take_if_idle()
        self._free(ptr)

    def close(self) -> None:
        with self._lock:
            self._closing = True
            ptr = self._take_if_idle()
        self._free(ptr)

    def _take_if_idle(self) -> Any:
        if self._closing and self._calls == 0 and self._ptr is not None:
            ptr, self._ptr = self._ptr, None
            return ptr
        return None

    def _free(self, ptr: Any) -> None:
        if ptr is not None:
            # Looked up at call time, so tests can observe frees.
            self._lib.client_free(ptr)
