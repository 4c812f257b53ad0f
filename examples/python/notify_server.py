"""A notify endpoint for WeChat Pay notifications, with only the standard library (wsgiref).

    python notify_server.py CONFIG.json [PORT]

Listens on 127.0.0.1:PORT (0 or absent: any free port) and prints
``listening on http://127.0.0.1:PORT/notify``. Every POST is verified and decrypted by
``client.parse_notification``: a good notification is answered 204 and printed; a bad one is
answered 400 ``{"code": "FAIL", "message": ...}`` (WeChat Pay then sends it again). The
client's configuration needs the APIv3 key (``apiv3_key`` or ``apiv3_key_file``).
"""

import json
import sys
import threading
from typing import Any, Callable, Dict, Iterable, List, Tuple
from wsgiref.simple_server import WSGIRequestHandler, make_server

import wxface

#: At most this many bytes are read from a request (the library refuses bodies over 1 MiB).
MAX_BODY = 1 << 20


def notify_app(client: wxface.Client) -> Callable[..., Iterable[bytes]]:
    """The WSGI application: one client, shared by every request."""
    seen = set()  # ids already handled: the same notification may arrive more than once
    seen_lock = threading.Lock()

    def app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        if environ["REQUEST_METHOD"] != "POST":
            return reply(start_response, "405 Method Not Allowed", "POST a notification here")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(min(length, MAX_BODY + 1))
        try:
            # The WSGI environ holds the headers as HTTP_WECHATPAY_TIMESTAMP etc.
            notification = client.parse_notification(environ, body)
        except wxface.WxfaceError as e:
            print(f"refused: {e}", flush=True)
            return reply(start_response, "400 Bad Request", str(e))
        with seen_lock:
            repeated = notification.id in seen
            seen.add(notification.id)
        if not repeated:
            handle(notification)
        start_response("204 No Content", [])
        return []

    return app


def handle(notification: wxface.Notification) -> None:
    """What the school system does with a notification; here: print it."""
    resource = notification.resource
    print(
        f"notification {notification.id}: {notification.event_type} "
        f"user {resource.get('user_id')} (out_user_id {resource.get('out_user_id')}) "
        f"in {resource.get('organization_id')}",
        flush=True,
    )


def reply(start_response: Callable[..., Any], status: str, message: str) -> List[bytes]:
    body = json.dumps({"code": "FAIL", "message": message}).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Tuple[Any, ...]) -> None:
        pass  # the app prints one line per notification


def main(argv: List[str]) -> int:
    if len(argv) not in (2, 3):
        print(f"usage: {argv[0]} CONFIG.json [PORT]", file=sys.stderr)
        return 2
    with wxface.Client.from_file(argv[1]) as client:
        port = int(argv[2]) if len(argv) == 3 else 0
        with make_server("127.0.0.1", port, notify_app(client), handler_class=QuietHandler) as server:
            print(f"listening on http://127.0.0.1:{server.server_port}/notify", flush=True)
            server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
