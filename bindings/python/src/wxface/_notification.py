"""`Notification`: a WeChat Pay notification (webhook) whose signature, clock and encryption
checked out; and the header look-up that feeds ``wxface_notification_parse``."""

from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Optional, Tuple

from ._convert import text
from ._errors import InvalidArgumentError

__all__ = ["Notification"]

#: The headers ``wxface_notification_parse`` takes, in its argument order.
SIGNATURE_HEADERS = ("Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial")
_WANTED = frozenset(name.lower() for name in SIGNATURE_HEADERS)


def _header_key(name: str) -> str:
    """``Wechatpay-Timestamp``, ``wechatpay-timestamp`` and WSGI's ``HTTP_WECHATPAY_TIMESTAMP``
    all become ``wechatpay-timestamp``."""
    key = name.lower().replace("_", "-")
    return key[len("http-") :] if key.startswith("http-") else key


def _header_value(name: str, value: Any) -> bytes:
    """One header value as bytes; a list (PSR-7 / multi-dict style) must hold exactly one."""
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise InvalidArgumentError(f"header {name} has {len(value)} values; a notification has exactly one")
        value = value[0]
    if isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
    elif isinstance(value, str):
        raw = value.encode("utf-8")
    else:
        raise TypeError(f"header {name} must be str or bytes, not {type(value).__name__}")
    if b"\0" in raw:
        raise InvalidArgumentError(f"header {name} contains a NUL character")
    return raw


def signature_headers(headers: Mapping[str, Any]) -> Tuple[bytes, ...]:
    """The four signature header values from any mapping (names in any case, WSGI ``HTTP_``
    keys). A missing header becomes ``b""``: the library then says which one is missing."""
    if not isinstance(headers, Mapping) and not hasattr(headers, "items"):
        raise TypeError(f"headers must be a mapping, not {type(headers).__name__}")
    found: Dict[str, bytes] = {}
    for name, value in headers.items():
        if not isinstance(name, str):
            continue
        key = _header_key(name)
        if key in _WANTED:
            if key in found:
                raise InvalidArgumentError(f"header {name} is given twice")
            found[key] = _header_value(name, value)
    return tuple(found.get(name.lower(), b"") for name in SIGNATURE_HEADERS)


def body_bytes(body: Any) -> bytes:
    """The raw body as received: bytes as they are, text as UTF-8."""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    raise TypeError(f"body must be bytes or str, not {type(body).__name__}")


class Notification:
    """A verified, decrypted notification. De-duplicate on :attr:`id`: WeChat Pay may send the
    same notification more than once.

    Attributes:
        id: the notification's ``id``.
        event_type: e.g. ``"FACEPAY.USER_STATE_CHANGE"`` (any event type is accepted).
        create_time: RFC 3339 text, as sent.
        summary: the ``summary``, or ``""``.
        resource_text: the decrypted resource (JSON text for every documented event).
        resource: :attr:`resource_text` parsed into a dict (``{}`` when it is not a JSON object).
    """

    __slots__ = ("id", "event_type", "create_time", "summary", "resource_text", "resource")

    id: str
    event_type: str
    create_time: str
    summary: str
    resource_text: str
    resource: Dict[str, Any]

    def __init__(self, id: str, event_type: str, create_time: str, summary: str, resource_text: str) -> None:
        self.id = id
        self.event_type = event_type
        self.create_time = create_time
        self.summary = summary
        self.resource_text = resource_text
        self.resource = _json_object(resource_text)

    @classmethod
    def _take(cls, lib: Any, native: Any) -> "Notification":
        """Copies a native notification and frees it."""
        try:
            return cls(
                text(lib.notification_id(native)),
                text(lib.notification_event_type(native)),
                text(lib.notification_create_time(native)),
                text(lib.notification_summary(native)),
                text(lib.notification_resource(native)),
            )
        finally:
            lib.notification_free(native)

    def __repr__(self) -> str:
        return f"<wxface.Notification {self.event_type} id={self.id!r}>"


def _json_object(document: str) -> Dict[str, Any]:
    try:
        value: Optional[Any] = json.loads(document)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
