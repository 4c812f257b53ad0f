"""`Client`: one WeChat Pay K12 client over one native ``wxface_client``."""

from __future__ import annotations

import json
import os
import pathlib
import threading
import weakref
from ctypes import byref
from typing import Any, Mapping, Optional, Union

from . import _native
from ._capi import Status
from ._errors import ConfigError, InternalError, InvalidArgumentError, class_for

__all__ = ["Client", "ConfigSource", "library_version"]

#: What :class:`Client` accepts as configuration: a mapping of the C API's JSON keys, the
#: JSON text itself, or a path-like to a JSON file.
ConfigSource = Union[Mapping[str, Any], str, bytes, "os.PathLike[str]"]


def library_version() -> str:
    """The loaded library's version string, e.g. ``"wxface/0.1.0 rustls/0.23.46"``.

    Loads the library on first use; raises :class:`wxface.LibraryNotFoundError` when it
    cannot be loaded.
    """
    return _text(_native.lib().version())


def _text(value: Optional[bytes]) -> str:
    return "" if value is None else value.decode("utf-8", errors="replace")


def _c_string(value: str, what: str) -> bytes:
    """UTF-8 bytes of ``value`` for a ``const char *`` argument, rejecting NUL before any call."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, not {type(value).__name__}")
    if "\0" in value:
        raise InvalidArgumentError(f"{what} contains a NUL character")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidArgumentError(f"{what} is not valid Unicode text: {exc.reason}") from None


def _plain_json_value(value: Any, where: str) -> Any:
    """A copy of a config value that json can encode: bytes (PEM) become text, path-likes
    become strings; any string with NUL is rejected."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidArgumentError(f"config key {where} is bytes but not UTF-8 text (PEM expected)") from None
    elif isinstance(value, os.PathLike):
        value = os.fspath(value)
        if isinstance(value, bytes):
            value = os.fsdecode(value)
    if isinstance(value, str):
        if "\0" in value:
            raise InvalidArgumentError(f"config key {where} contains a NUL character")
        return value
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ConfigError(f"config key {key!r} in {where} is not a string")
            if "\0" in key:
                raise InvalidArgumentError(f"a config key in {where} contains a NUL character")
            out[key] = _plain_json_value(item, f"{where}.{key}" if where else key)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain_json_value(item, f"{where}[{i}]") for i, item in enumerate(value)]
    return value


def _config_json(config: "Mapping[str, Any] | str | bytes | bytearray") -> bytes:
    """The JSON document (UTF-8, NUL-free) for the library's JSON configuration reader."""
    if isinstance(config, Mapping):
        plain = _plain_json_value(config, "")
        try:
            text = json.dumps(plain)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"config cannot be written as JSON: {exc}") from None
        return _c_string(text, "config")
    if isinstance(config, str):
        return _c_string(config, "config JSON")
    if isinstance(config, (bytes, bytearray)):
        if b"\0" in config:
            raise InvalidArgumentError("config JSON contains a NUL byte")
        return bytes(config)
    raise TypeError(
        "config must be a mapping, JSON text (str) or a path-like to a JSON file, "
        f"not {type(config).__name__}"
    )


def _path_bytes(path: "os.PathLike[str]") -> bytes:
    """A file path for the library: the file system's bytes, NUL-free."""
    encoded = os.fsencode(path)
    if b"\0" in encoded:
        raise InvalidArgumentError("config file path contains a NUL character")
    return encoded


def raise_error(lib: _native.NativeLibrary, status: int, err: Any) -> None:
    """Reads every accessor of the native error, frees it at once, raises the mapped class."""
    if not err:
        # err was NULL (should not happen with our calls): only the status is known.
        raise class_for(status)(_text(lib.status_str(status)), status=status)
    try:
        err_status = int(lib.error_status(err))
        message = _text(lib.error_message(err))
        http_status = int(lib.error_http_status(err))
        api_code = _text(lib.error_api_code(err))
        request_id = _text(lib.error_request_id(err))
        detail_json = _text(lib.error_detail_json(err))
        request_sent = bool(lib.error_request_sent(err))
    finally:
        lib.error_free(err)
    detail = None
    if detail_json:
        try:
            parsed = json.loads(detail_json)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            detail = parsed
    status = err_status or status
    raise class_for(status)(
        message or _text(lib.status_str(status)),
        status=status,
        http_status=http_status,
        api_code=api_code,
        request_id=request_id,
        detail=detail,
        request_sent=request_sent,
    )


class _Handle:
    """Owns the native pointer: counts running calls so that ``close()`` from any thread never
    frees the client under a running call (the free then happens when the last call returns)."""

    __slots__ = ("_lib", "_ptr", "_lock", "_calls", "_closing")

    def __init__(self, lib: _native.NativeLibrary, ptr: Any) -> None:
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


class Client:
    """A WeChat Pay K12 client (one native ``wxface_client``).

    ``config`` is a mapping with the C API's configuration keys (``mchid``,
    ``merchant_serial_no``, ``private_key_pem`` or ``private_key_file``, ...), the same
    document as JSON text, or a path-like to a JSON file (see :meth:`from_file`). PEM values
    in a mapping may be ``bytes``. Relative paths inside a mapping or JSON text are relative to
    the working directory.

    A client is safe to share between threads: calls run without the GIL and in parallel.
    Free it with :meth:`close` or a ``with`` block; a client that is garbage-collected
    unclosed is freed then.

    Raises:
        ConfigError: the configuration is incomplete or wrong (the message names the key).
        InvalidArgumentError: a string contains a NUL character.
        LibraryNotFoundError: the shared library cannot be loaded.
    """

    def __init__(self, config: ConfigSource) -> None:
        if isinstance(config, os.PathLike):
            path: Optional[bytes] = _path_bytes(config)
            document = b""
        else:
            path = None
            document = _config_json(config)
        lib = _native.lib()
        out = _native.client_p()
        err = _native.error_p()
        if path is not None:
            # The library reads the file: one reader for every language (UTF-8 BOM skipped,
            # relative key paths against the file's folder, regular files only, wiped).
            status = lib.client_new_from_json_file(path, byref(out), byref(err))
        else:
            status = lib.client_new_from_json(document, byref(out), byref(err))
        if status != Status.OK:
            raise_error(lib, status, err)
        if not out:
            raise InternalError("the library returned OK but no client")
        self._lib = lib
        self._handle = _Handle(lib, out)
        self._finalizer = weakref.finalize(self, self._handle.close)

    @classmethod
    def from_file(cls, path: Union[str, "os.PathLike[str]"]) -> "Client":
        """A client from a JSON configuration file (same keys as the C API's JSON config).

        The library reads the file: UTF-8 (a leading BOM is skipped), at most 1 MiB, and
        relative ``*_file`` paths in it are relative to the file's folder.

        Raises:
            ConfigError: the file cannot be read, or its configuration is wrong.
        """
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be str or path-like, not {type(path).__name__}")
        return cls(pathlib.Path(path))

    def terminate_contract(self, organization_id: str, user_id: str) -> None:
        """Terminates the face-pay contract of ``user_id`` in ``organization_id``.

        Returns once WeChat Pay answered 204 and the response's signature verified. Ids are
        1-256 printable ASCII characters without ``/ ? # % \\`` and not ``.`` or ``..``.

        Raises:
            InvalidArgumentError: an id is empty or ill-formed, or the client is closed
                (nothing was sent).
            ApiError: WeChat Pay refused (e.g. 404 ``NOT_FOUND``, 400 ``PARAM_ERROR`` for an
                already-terminated user); see ``http_status``, ``api_code``, ``detail``.
            WxfaceTimeoutError: the request deadline passed (also a ``TimeoutError``).
            NetworkError, TlsError: no usable connection (also ``ConnectionError``).
            SignatureError, ResponseError: the response could not be trusted or understood.
        """
        org = _c_string(organization_id, "organization_id")
        user = _c_string(user_id, "user_id")
        ptr = self._handle.acquire()
        err = _native.error_p()
        try:
            status = self._lib.terminate_contract(ptr, org, user, byref(err))
        finally:
            self._handle.release()
        if status != Status.OK:
            raise_error(self._lib, status, err)

    def close(self) -> None:
        """Frees the native client. Idempotent; later calls raise InvalidArgumentError.

        Safe while other threads still call: the client is freed when their calls return.
        """
        self._finalizer()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._handle.closed

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<wxface.Client {'closed' if self.closed else 'open'}>"

