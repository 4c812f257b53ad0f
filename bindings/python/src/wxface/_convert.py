"""Python values to C arguments and back: NUL and encoding checks happen here, before any
native call, and raise :class:`wxface.InvalidArgumentError`."""

from __future__ import annotations

import json
import os
from typing import Any, Mapping, Optional, Sequence

from ._errors import ConfigError, InvalidArgumentError

#: The largest ``uint32_t`` a count argument may be.
_U32_MAX = 2**32 - 1


def text(value: Optional[bytes]) -> str:
    """A returned ``const char *`` as text (never fails: bad bytes become U+FFFD)."""
    return "" if value is None else value.decode("utf-8", errors="replace")


def c_string(value: str, what: str) -> bytes:
    """UTF-8 bytes of ``value`` for a ``const char *`` argument, rejecting NUL before any call."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str, not {type(value).__name__}")
    if "\0" in value:
        raise InvalidArgumentError(f"{what} contains a NUL character")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidArgumentError(f"{what} is not valid Unicode text: {exc.reason}") from None


def optional_c_string(value: Optional[str], what: str) -> Optional[bytes]:
    """As :func:`c_string`; ``None`` stays ``None`` (a NULL argument)."""
    return None if value is None else c_string(value, what)


def u32(value: int, what: str) -> int:
    """An ``int`` for a ``uint32_t`` argument."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be int, not {type(value).__name__}")
    if not 0 <= value <= _U32_MAX:
        raise InvalidArgumentError(f"{what} must be 0 to {_U32_MAX}")
    return value


def json_argument(value: Any, what: str) -> bytes:
    """A mapping (or any JSON value) as JSON text for a ``*_json`` argument."""
    try:
        encoded = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"{what} cannot be written as JSON: {exc}") from None
    return c_string(encoded, what)


def pointer_list(pointers: Sequence[str], what: str) -> Optional[bytes]:
    """JSON pointers as the JSON array a ``*_pointers_json`` argument takes; ``None`` for none."""
    if isinstance(pointers, str):
        raise TypeError(f"{what} must be a sequence of JSON pointer strings, not one string")
    items = list(pointers)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{what} must hold str, not {type(item).__name__}")
    return json_argument(items, what) if items else None


def plain_json_value(value: Any, where: str) -> Any:
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
            out[key] = plain_json_value(item, f"{where}.{key}" if where else key)
        return out
    if isinstance(value, (list, tuple)):
        return [plain_json_value(item, f"{where}[{i}]") for i, item in enumerate(value)]
    return value


def config_json(config: "Mapping[str, Any] | str | bytes | bytearray") -> bytes:
    """The JSON document (UTF-8, NUL-free) for the library's JSON configuration reader."""
    if isinstance(config, Mapping):
        plain = plain_json_value(config, "")
        try:
            encoded = json.dumps(plain)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"config cannot be written as JSON: {exc}") from None
        return c_string(encoded, "config")
    if isinstance(config, str):
        return c_string(config, "config JSON")
    if isinstance(config, (bytes, bytearray)):
        if b"\0" in config:
            raise InvalidArgumentError("config JSON contains a NUL byte")
        return bytes(config)
    raise TypeError(
        "config must be a mapping, JSON text (str) or a path-like to a JSON file, "
        f"not {type(config).__name__}"
    )


def path_bytes(path: "os.PathLike[str]") -> bytes:
    """A file path for the library: the file system's bytes, NUL-free."""
    encoded = os.fsencode(path)
    if b"\0" in encoded:
        raise InvalidArgumentError("config file path contains a NUL character")
    return encoded
