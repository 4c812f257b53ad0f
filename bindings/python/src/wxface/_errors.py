"""The exceptions of the wxface package: one class per ``wxface_status`` value."""

from __future__ import annotations

import json
from typing import Any, Dict, NoReturn, Optional, Type

from ._capi import Status

__all__ = [
    "WxfaceError",
    "InvalidArgumentError",
    "ConfigError",
    "NetworkError",
    "WxfaceTimeoutError",
    "TlsError",
    "ApiError",
    "SignatureError",
    "ResponseError",
    "InternalError",
    "LibraryNotFoundError",
]


class WxfaceError(Exception):
    """Base class of every wxface error.

    Attributes:
        status: the ``wxface_status`` value (one of ``wxface.Status``; ``Status.OK`` for
            errors raised before any native call could report one, such as
            :class:`LibraryNotFoundError`).
        message: one line of English naming the cause (also ``str(exc)``).
        http_status: the HTTP status of WeChat Pay's response, ``0`` when no response arrived.
        api_code: the response's ``code`` (e.g. ``"PARAM_ERROR"``), ``""`` when absent.
        request_id: the response's ``Request-ID`` header (quote it to WeChat Pay support), or ``""``.
        detail: the response's ``detail`` member parsed into a dict, or ``None``. For a 401
            ``SIGN_ERROR`` it holds ``sign_information.truncated_sign_message``.
        request_sent: ``True`` when at least one byte of the request was written, so WeChat
            Pay may have received and carried it out (always for :class:`ApiError`,
            :class:`SignatureError`, :class:`ResponseError`; for :class:`NetworkError` and
            :class:`WxfaceTimeoutError` the outcome is then unknown: query before repeating a
            deduction). ``False`` when nothing was written: repeating the call is safe.
    """

    #: The ``wxface_status`` this class stands for (the class default for ``status``).
    STATUS: int = Status.OK

    status: int
    message: str
    http_status: int
    api_code: str
    request_id: str
    detail: Optional[Dict[str, Any]]
    request_sent: bool

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        http_status: int = 0,
        api_code: str = "",
        request_id: str = "",
        detail: Optional[Dict[str, Any]] = None,
        request_sent: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = self.STATUS if status is None else status
        self.message = message
        self.http_status = http_status
        self.api_code = api_code
        self.request_id = request_id
        self.detail = detail
        self.request_sent = request_sent

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        parts = [f"{self.message!r}", f"status={self.status}"]
        if self.http_status:
            parts.append(f"http_status={self.http_status}")
        if self.api_code:
            parts.append(f"api_code={self.api_code!r}")
        if self.request_id:
            parts.append(f"request_id={self.request_id!r}")
        if self.detail is not None:
            parts.append(f"detail={self.detail!r}")
        if self.request_sent:
            parts.append("request_sent=True")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __reduce__(self) -> Any:
        return (
            _rebuild,
            (
                type(self),
                self.message,
                self.status,
                self.http_status,
                self.api_code,
                self.request_id,
                None if self.detail is None else json.dumps(self.detail),
                self.request_sent,
            ),
        )


def _rebuild(
    cls: Type[WxfaceError],
    message: str,
    status: int,
    http_status: int,
    api_code: str,
    request_id: str,
    detail_json: Optional[str],
    request_sent: bool = False,
) -> WxfaceError:
    detail = None if detail_json is None else json.loads(detail_json)
    return cls(
        message,
        status=status,
        http_status=http_status,
        api_code=api_code,
        request_id=request_id,
        detail=detail,
        request_sent=request_sent,
    )


class InvalidArgumentError(WxfaceError, ValueError):
    """``Status.INVALID_ARGUMENT``: an argument was rejected (empty or ill-formed id, NUL in a string, closed
    client, ...). Nothing was sent."""

    STATUS = Status.INVALID_ARGUMENT


class ConfigError(WxfaceError):
    """``Status.CONFIG``: the configuration is incomplete or unreadable (bad PEM, missing ``mchid``,
    unknown key, bad URL, unreadable file). The message names the key."""

    STATUS = Status.CONFIG


class NetworkError(WxfaceError, ConnectionError):
    """``Status.NETWORK``: DNS failure, connection refused or reset, or closed before a complete response."""

    STATUS = Status.NETWORK


class WxfaceTimeoutError(WxfaceError, TimeoutError):
    """``Status.TIMEOUT``: the connect or whole-request deadline was exceeded (also a builtin
    :class:`TimeoutError`)."""

    STATUS = Status.TIMEOUT


class TlsError(WxfaceError, ConnectionError):
    """``Status.TLS``: the TLS handshake failed or the server certificate is not trusted."""

    STATUS = Status.TLS


class ApiError(WxfaceError):
    """``Status.API``: WeChat Pay answered with a non-2xx status. ``http_status``, ``api_code``,
    ``request_id`` and ``detail`` are filled from the response as far as it allows."""

    STATUS = Status.API


class SignatureError(WxfaceError):
    """``Status.SIGNATURE``: a 2xx response could not be trusted (signature headers missing or wrong,
    unknown ``Wechatpay-Serial``, or a timestamp more than 300 s from the local clock)."""

    STATUS = Status.SIGNATURE


class ResponseError(WxfaceError):
    """``Status.RESPONSE``: a 2xx response that does not fit the operation (unexpected status or body)."""

    STATUS = Status.RESPONSE


class InternalError(WxfaceError):
    """``Status.INTERNAL``: a defect inside wxface (a caught panic). Please report it."""

    STATUS = Status.INTERNAL


class LibraryNotFoundError(WxfaceError, ImportError):
    """The wxface shared library could not be loaded, or has the wrong ABI version.

    The message lists every place tried and how to fix it. ``status`` is ``Status.OK``.
    """

    STATUS = Status.OK


#: ``wxface_status`` value -> exception class.
BY_STATUS: Dict[int, Type[WxfaceError]] = {
    cls.STATUS: cls
    for cls in (
        InvalidArgumentError,
        ConfigError,
        NetworkError,
        WxfaceTimeoutError,
        TlsError,
        ApiError,
        SignatureError,
        ResponseError,
        InternalError,
    )
}


def class_for(status: int) -> Type[WxfaceError]:
    """The exception class for ``status`` (the base class for a status this version lacks)."""
    return BY_STATUS.get(status, WxfaceError)


def _decode(value: Optional[bytes]) -> str:
    return "" if value is None else value.decode("utf-8", errors="replace")


def raise_error(lib: Any, status: int, err: Any) -> NoReturn:
    """Reads every accessor of the native error, frees it at once, raises the mapped class."""
    if not err:
        # err was NULL (should not happen with our calls): only the status is known.
        raise class_for(status)(_decode(lib.status_str(status)), status=status)
    try:
        err_status = int(lib.error_status(err))
        message = _decode(lib.error_message(err))
        http_status = int(lib.error_http_status(err))
        api_code = _decode(lib.error_api_code(err))
        request_id = _decode(lib.error_request_id(err))
        detail_json = _decode(lib.error_detail_json(err))
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
        message or _decode(lib.status_str(status)),
        status=status,
        http_status=http_status,
        api_code=api_code,
        request_id=request_id,
        detail=detail,
        request_sent=request_sent,
    )
