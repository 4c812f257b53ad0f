"""`Response`: what WeChat Pay answered to a successful call, after its signature verified."""

from __future__ import annotations

import json
from typing import Any, Iterator, Mapping

from ._convert import text

__all__ = ["Response"]


class Response(Mapping[str, Any]):
    """A verified response: a read-only mapping of its JSON body (empty for a 204).

    ``resp["contract_state"]``, ``resp.get("contract_id")``; nested values are plain dicts and
    lists. :attr:`json` holds the whole body as parsed (also when it is not an object).

    Attributes:
        http_status: 200, 204, ...
        request_id: the ``Request-ID`` header (keep it for the audit log), or ``""``.
        body: the body as received (JSON text; ``""`` for a 204).
    """

    __slots__ = ("http_status", "request_id", "body", "_json")

    http_status: int
    request_id: str
    body: str

    def __init__(self, http_status: int, request_id: str, body: str) -> None:
        self.http_status = http_status
        self.request_id = request_id
        self.body = body
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
    def json(self) -> Any:
        """The body as parsed JSON; ``None`` for an empty body."""
        return self._json

    def _fields(self) -> Mapping[str, Any]:
        return self._json if isinstance(self._json, dict) else {}

    def __getitem__(self, key: str) -> Any:
        return self._fields()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields())

    def __len__(self) -> int:
        return len(self._fields())

    def __repr__(self) -> str:
        return f"<wxface.Response {self.http_status} request_id={self.request_id!r} {self._fields()!r}>"
