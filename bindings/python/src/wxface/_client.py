"""`Client`: one WeChat Pay K12 client over one native ``wxface_client``."""

from __future__ import annotations

import os
import weakref
from ctypes import byref, c_uint32
from typing import Any, Mapping, Optional, Sequence, Union

from . import _native
from ._capi import Status
from ._convert import c_string, config_json, json_argument, optional_c_string, path_bytes, pointer_list, text, u32
from ._errors import InternalError, raise_error
from ._handle import Handle
from ._notification import Notification, body_bytes, signature_headers
from ._response import Response

__all__ = ["Client", "ConfigSource", "library_version"]

#: What :class:`Client` accepts as configuration: a mapping of the C API's JSON keys, the
#: JSON text itself, or a path-like to a JSON file.
ConfigSource = Union[Mapping[str, Any], str, bytes, "os.PathLike[str]"]


def library_version() -> str:
    """The loaded library's version string, e.g. ``"wxface/0.2.0 rustls/0.23.46"``.

    Loads the library on first use; raises :class:`wxface.LibraryNotFoundError` when it
    cannot be loaded.
    """
    return text(_native.lib().version())


class Client:
    """A WeChat Pay K12 client (one native ``wxface_client``).

    ``config`` is a mapping with the C API's configuration keys (``mchid``,
    ``merchant_serial_no``, ``private_key_pem`` or ``private_key_file``, ...), the same
    document as JSON text, or a path-like to a JSON file (see :meth:`from_file`). PEM values
    in a mapping may be ``bytes``. Relative paths inside a mapping or JSON text are relative to
    the working directory.

    A client is safe to share between threads: calls run without the GIL and in parallel. It
    may be used after ``fork()``: the library opens new connections in the child. Free it with
    :meth:`close` or a ``with`` block; a client that is garbage-collected unclosed is freed then.

    Every operation returns a :class:`wxface.Response` once WeChat Pay answered its documented
    success and the response's signature verified, and raises a subclass of
    :class:`wxface.WxfaceError` otherwise: :class:`wxface.InvalidArgumentError` (nothing was
    sent), :class:`wxface.ApiError` (WeChat Pay said no: ``http_status``, ``api_code``,
    ``detail``), :class:`wxface.WxfaceTimeoutError`, :class:`wxface.NetworkError`,
    :class:`wxface.TlsError`, :class:`wxface.SignatureError`, :class:`wxface.ResponseError`.
    ``request_sent`` says whether the request may have reached WeChat Pay.

    Raises:
        ConfigError: the configuration is incomplete or wrong (the message names the key).
        InvalidArgumentError: a string contains a NUL character.
        LibraryNotFoundError: the shared library cannot be loaded.
    """

    def __init__(self, config: ConfigSource) -> None:
        if isinstance(config, os.PathLike):
            path: Optional[bytes] = path_bytes(config)
            document = b""
        else:
            path = None
            document = config_json(config)
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
        self._handle = Handle(lib, out)
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
        # Here, not at the top: importing pathlib (with urllib.parse and ipaddress) is ~3 ms
        # that a process configured from a mapping or JSON text never needs.
        import pathlib

        return cls(pathlib.Path(path))

    def _call(self, function: str, *args: Any) -> Response:
        """Runs the C operation ``function`` (its name without ``wxface_``) on this client,
        with ``args`` between the client and the response/error out-parameters."""
        ptr = self._handle.acquire()
        out = _native.response_p()
        err = _native.error_p()
        try:
            status = getattr(self._lib, function)(ptr, *args, byref(out), byref(err))
        finally:
            self._handle.release()
        if status != Status.OK:
            raise_error(self._lib, status, err)
        return Response._take(self._lib, out)

    def query_organization(
        self, *, organization_id: Optional[str] = None, organization_name: Optional[str] = None
    ) -> Response:
        """The organization (school) named by exactly one of ``organization_id`` and
        ``organization_name`` (e.g. a Chinese name): ``organization_id``, ``organization_name``."""
        return self._call(
            "query_organization",
            optional_c_string(organization_id, "organization_id"),
            optional_c_string(organization_name, "organization_name"),
        )

    def create_auth_token(self, organization_id: str, out_user_id: str, scene: str = "WEBSESSION") -> Response:
        """A token (valid 5 minutes) that opens the face-pay mini program for the user:
        ``token``."""
        return self._call(
            "create_auth_token",
            c_string(organization_id, "organization_id"),
            c_string(out_user_id, "out_user_id"),
            c_string(scene, "scene"),
        )

    def query_user(self, organization_id: str, out_user_id: str) -> Response:
        """The face user ``out_user_id`` (the school's own id for the pupil): ``use_id``,
        ``user_name``, ``contract_state``, ``contract_id``, ..."""
        return self._call(
            "query_user", c_string(organization_id, "organization_id"), c_string(out_user_id, "out_user_id")
        )

    def update_user(self, organization_id: str, out_user_id: str, changes: Mapping[str, Any]) -> Response:
        """Changes the user: any of ``user_name``, ``user_type``, ``student_info``
        (``class_name``), ``staff_info`` (``occupation``), ``status``, ``phone``; at least one.
        ``user_name`` and ``phone`` in plain text: the library encrypts them. Answers 204."""
        return self._call(
            "update_user",
            c_string(organization_id, "organization_id"),
            c_string(out_user_id, "out_user_id"),
            json_argument(changes, "changes"),
        )

    def terminate_contract(self, organization_id: str, user_id: str) -> Response:
        """Terminates the face-pay contract of ``user_id`` (the WeChat face user id) in
        ``organization_id``; returns the 204 :class:`Response` (keep its ``request_id``).

        Ids are 1-256 printable ASCII characters without ``/ ? # % \\`` and not ``.`` or ``..``.
        An unknown or already terminated user is an :class:`wxface.ApiError`.
        """
        return self._call(
            "terminate_contract_with_response",
            c_string(organization_id, "organization_id"),
            c_string(user_id, "user_id"),
        )

    def get_authinfo(self, request: Mapping[str, Any]) -> Response:
        """The face-pay device's authinfo (refresh it at least hourly): ``authinfo``.
        ``request``: ``sp_appid``, ``sub_mchid``, ``device_id``, ``raw_data``,
        ``organization_id`` (and optionally ``sub_appid``)."""
        return self._call("get_authinfo", json_argument(request, "request"))

    def presign_contract(self, request: Mapping[str, Any]) -> Response:
        """Pre-signs a contract: ``presign_token``. The six sensitive fields (identification
        numbers, phones, bank card number and name) in plain text: the library encrypts them."""
        return self._call("presign_contract", json_argument(request, "request"))

    def query_contract(self, contract_id: str, appid: Optional[str] = None) -> Response:
        """The contract and its state (``contract_state``, ``contract_terminated_time``, ...)."""
        return self._call("query_contract", c_string(contract_id, "contract_id"), optional_c_string(appid, "appid"))

    def list_face_collections(self, organization_id: str, offset: int = 0, limit: Optional[int] = None) -> Response:
        """The organization's face re-collection requests, from ``offset``:
        ``face_collections``. ``limit`` is sent only when given (and not 0)."""
        return self._call(
            "list_face_collections",
            c_string(organization_id, "organization_id"),
            u32(offset, "offset"),
            0 if limit is None else u32(limit, "limit"),
        )

    def query_face_collection(self, collection_id: str) -> Response:
        """One face re-collection request."""
        return self._call("query_face_collection", c_string(collection_id, "collection_id"))

    def apply_deduction(self, request: Mapping[str, Any]) -> Response:
        """Applies for a deduction (``amount.total`` in fen). Money moves: the library never
        sends it twice. After an error with ``request_sent`` true, call :meth:`query_deduction`
        before trying again."""
        return self._call("apply_deduction", json_argument(request, "request"))

    def query_deduction(self, out_trade_no: str, sp_mchid: str, sub_mchid: str, business_product_id: str) -> Response:
        """The deduction ``out_trade_no`` as applied for (``trade_state``, ``debt_state``, ...)."""
        return self._call(
            "query_deduction",
            c_string(out_trade_no, "out_trade_no"),
            c_string(sp_mchid, "sp_mchid"),
            c_string(sub_mchid, "sub_mchid"),
            c_string(business_product_id, "business_product_id"),
        )

    def get_repayment_url(self, organization_id: str, out_user_id: str) -> Response:
        """The link where a user who owes money pays it (``repayment_url``, ``expire_at``)."""
        return self._call(
            "get_repayment_url", c_string(organization_id, "organization_id"), c_string(out_user_id, "out_user_id")
        )

    def request(self, method: str, target: str, json: Any = None, encrypt: Sequence[str] = ()) -> Response:
        """The generic signed call, for any other APIv3 endpoint.

        ``method``: ``GET``, ``POST``, ``PUT``, ``PATCH`` or ``DELETE``. ``target``: path and
        query as they go on the wire, already percent-encoded, starting with ``/v3/``.
        ``json``: the body (any JSON value; ``None`` for none). ``encrypt``: JSON pointers
        (``"/phone"``) to strings of the body that the library sends encrypted under the WeChat
        Pay key. Any 2xx response is verified; one that is not JSON (other than an empty 204)
        is a :class:`wxface.ResponseError`.
        """
        return self._call(
            "request",
            c_string(method, "method"),
            c_string(target, "target"),
            None if json is None else json_argument(json, "json"),
            pointer_list(encrypt, "encrypt"),
        )

    def parse_notification(self, headers: Mapping[str, Any], body: Union[bytes, str]) -> Notification:
        """Verifies and decrypts a notification WeChat Pay POSTed to your notify URL.

        ``headers``: any mapping of the request's headers (a dict, Flask's or Django's
        ``request.headers``, a WSGI ``environ`` with ``HTTP_WECHATPAY_TIMESTAMP`` keys); names
        in any case. ``body``: the raw body exactly as received (bytes; text is UTF-8 encoded).
        Any event type is accepted. Reply 204 when this returns, 4xx with
        ``{"code": "FAIL", "message": ...}`` when it raises: WeChat Pay then sends it again.

        Raises:
            SignatureError: a header is missing, the signature does not verify, the serial
                names no usable key, the timestamp is more than 300 s off, or the resource does
                not decrypt with the APIv3 key (the message says which).
            ResponseError: the body is not the documented envelope, or over 1 MiB.
            ConfigError: the client has no APIv3 key.
        """
        timestamp, nonce, signature, serial = signature_headers(headers)
        raw = body_bytes(body)
        ptr = self._handle.acquire()
        out = _native.notification_p()
        err = _native.error_p()
        try:
            status = self._lib.notification_parse(
                ptr, timestamp, nonce, signature, serial, raw, len(raw), byref(out), byref(err)
            )
        finally:
            self._handle.release()
        if status != Status.OK:
            raise_error(self._lib, status, err)
        return Notification._take(self._lib, out)

    def refresh_platform_certificates(self) -> int:
        """Downloads WeChat Pay's platform certificates now and swaps them in at once (other
        threads see the old set or the new one). Returns how many downloaded certificates are
        held and inside their validity period. Needs the APIv3 key.

        Raises:
            SignatureError: the download does not decrypt with the APIv3 key or does not verify
                (the old set stays).
            ApiError: WeChat Pay refused (merchants with only a public key may get 403/404).
        """
        ptr = self._handle.acquire()
        count = c_uint32(0)
        err = _native.error_p()
        try:
            status = self._lib.client_refresh_platform_certificates(ptr, byref(count), byref(err))
        finally:
            self._handle.release()
        if status != Status.OK:
            raise_error(self._lib, status, err)
        return int(count.value)

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
