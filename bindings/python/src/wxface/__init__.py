"""wxface: WeChat Pay K12 offline face-payment client (Python wrapper of the wxface C library).

::

    import wxface

    with wxface.Client.from_file("client.json") as client:
        client.terminate_contract("DBES323aeb", "U0000000001")

The shared library is found through ``$WXFACE_LIBRARY``, then a copy bundled in this package,
then the system loader; it is loaded on first use. Every failure raises a subclass of
:class:`WxfaceError` carrying ``status``, ``message``, ``http_status``, ``api_code``,
``request_id`` and ``detail``.
"""

from . import _capi, _errors
from ._capi import Status
from ._client import Client, ConfigSource, library_version
from ._notification import Notification
from ._response import Response
from ._errors import (
    ApiError,
    ConfigError,
    InternalError,
    InvalidArgumentError,
    LibraryNotFoundError,
    NetworkError,
    ResponseError,
    SignatureError,
    TlsError,
    WxfaceError,
    WxfaceTimeoutError,
)

#: The version of this Python wrapper (the library's is :func:`library_version`).
__version__ = _capi.VERSION

__all__ = ["__version__", "library_version", "Client", "ConfigSource", "Notification", "Response", "Status"]
__all__ += _errors.__all__
