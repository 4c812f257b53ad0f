"""`Response`: what WeChat Pay answered to a successful call, after its signature verified."""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator, Mapping

from ._convert import text

__all__ = ["Response"]


class Response(Mapping[str, Any]):
    """A verified response: a read-only mapping of its JSON body (empty for a 204).

    ``resp["contract_state"]``, ``resp.get("contract_id")``; nested values come out as copies
    (plain dicts and lists), so changing them never changes the response. :attr:`json` is the
    whole body as parsed (also when it is not an object), likewise a copy.

    Attributes:
        http_status: 200, 204, ...
        request_id: the ``Request-ID`` header (keep it for the audit log), or ``""``.
        body: the body as received (JSON text; ``""`` for a 204).
    """

    __slots__ = ("_http_status", "_request_id", "_body", "_json")

    def __init__(self, http_status: int, request_id: str, body: str) -> None:
        self._http_status = http_status
        self._request_id = request_id
        self._body = body
        self._json: Any = json.loads(body) if body else None

    @classmethod
    def _take(cls, lib: Any, native: Any) -> "Response":
        """Copies a native response and frees it."""
        try:
            return cls(
                int(lib.response_http_status(native)),
                text(lib.response_request_id(native)),
                text(lib.response_body(native)),
            )
        finally:
            lib.response_free(native)

    @property
    def http_status(self) -> int:
        return self._http_status

    @property
    def request_id(self) -> str:
        return self._request_id

    @property
    def body(self) -> str:
        return self._body

    @property
    def json(self) -> Any:
        """The body as parsed JSON (a copy); ``None`` for an empty body."""
        return copy.deepcopy(self._json)

    def _fields(self) -> Mapping[str, Any]:
        return self._json if isinstance(self._json, dict) else {}

    def __getitem__(self, key: str) -> Any:
        value = self._fields()[key]
        return copy.deepcopy(value) if isinstance(value, (dict, list)) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields())

    def __len__(self) -> int:
        return len(self._fields())

    def __repr__(self) -> str:
        return f"<wxface.Response {self._http_status} request_id={self._request_id!r} {self._fields()!r}>"
