"""Notifications from wxface-sim parsed by Client.parse_notification (headers in every shape a
Python web framework hands them over), Client.refresh_platform_certificates, and the example
receiver examples/python/notify_server.py getting the sim's real deliveries."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any, Dict, Iterator

import pytest

import wxface

from conftest import ORG, REPO, Sim, fresh_users

SIGNATURE_HEADERS = ("Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial")
WRONG_APIV3_KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def notification(sim: Sim) -> Dict[str, Any]:
    """A good notification about a fresh user."""
    return sim.build_notification(user_id=fresh_users(1)[0])


def test_a_notification_verifies_and_decrypts(client: wxface.Client, notification: Dict[str, Any]) -> None:
    got = client.parse_notification(notification["headers"], notification["body"])
    assert isinstance(got, wxface.Notification)
    assert got.id == notification["id"]
    assert got.event_type == "FACEPAY.USER_STATE_CHANGE"
    assert got.resource_text == notification["plaintext"]
    assert got.resource == json.loads(notification["plaintext"])
    for field in ("user_id", "out_user_id", "organization_id", "mch_id", "appid", "openid", "contract_id"):
        assert field in got.resource, field
    assert got.create_time and got.summary is not None
    assert got.id in repr(got)


@pytest.mark.parametrize(
    "shape",
    ["as sent", "lower case", "upper case", "WSGI environ", "PSR-7 style lists", "bytes values"],
)
def test_headers_in_any_shape(client: wxface.Client, notification: Dict[str, Any], shape: str) -> None:
    sent = {name: notification["headers"][name] for name in SIGNATURE_HEADERS}
    headers: Dict[str, Any] = {
        "as sent": dict(notification["headers"]),
        "lower case": {k.lower(): v for k, v in sent.items()},
        "upper case": {k.upper(): v for k, v in sent.items()},
        "WSGI environ": {"HTTP_" + k.upper().replace("-", "_"): v for k, v in sent.items()}
        | {"REQUEST_METHOD": "POST", "wsgi.input": object()},
        "PSR-7 style lists": {k: [v] for k, v in sent.items()},
        "bytes values": {k: v.encode() for k, v in sent.items()},
    }[shape]
    for body in (notification["body"], notification["body"].encode()):
        assert client.parse_notification(headers, body).id == notification["id"]


def test_ambiguous_headers_are_refused_before_any_check(client: wxface.Client, notification: Dict[str, Any]) -> None:
    headers = dict(notification["headers"])
    twice = headers | {"wechatpay-nonce": headers["Wechatpay-Nonce"]}
    with pytest.raises(wxface.InvalidArgumentError, match="given twice"):
        client.parse_notification(twice, notification["body"])
    two_values = headers | {"Wechatpay-Nonce": ["a", "b"]}
    with pytest.raises(wxface.InvalidArgumentError, match="2 values"):
        client.parse_notification(two_values, notification["body"])
    with pytest.raises(wxface.InvalidArgumentError, match="NUL"):
        client.parse_notification(headers | {"Wechatpay-Nonce": "a\0b"}, notification["body"])
    with pytest.raises(TypeError):
        client.parse_notification(headers | {"Wechatpay-Nonce": 7}, notification["body"])
    with pytest.raises(TypeError):
        client.parse_notification(list(headers.items()), notification["body"])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.parse_notification(headers, 42)  # type: ignore[arg-type]


@pytest.mark.parametrize("missing", SIGNATURE_HEADERS)
def test_a_missing_header_is_named(client: wxface.Client, notification: Dict[str, Any], missing: str) -> None:
    headers = {k: v for k, v in notification["headers"].items() if k != missing}
    with pytest.raises(wxface.SignatureError, match=missing) as raised:
        client.parse_notification(headers, notification["body"])
    assert raised.value.request_sent is False


@pytest.mark.parametrize(
    "options, error, says",
    [
        ({"tamper": True}, wxface.SignatureError, "signature"),
        ({"apiv3_key": WRONG_APIV3_KEY}, wxface.SignatureError, "APIv3 key"),
        ({"serial": "PUB_KEY_ID_0000000000000000000000000000"}, wxface.SignatureError, "PUB_KEY_ID_0000"),
        ({"timestamp_offset_s": -400}, wxface.SignatureError, "behind"),
        ({"timestamp_offset_s": 400}, wxface.SignatureError, "ahead"),
        ({"algorithm": "AEAD_SM4_GCM"}, wxface.ResponseError, "algorithm"),
    ],
    ids=["tampered", "wrong APIv3 key", "unknown serial", "stale", "future", "other algorithm"],
)
def test_a_bad_notification_says_which_check_failed(
    sim: Sim, client: wxface.Client, options: Dict[str, Any], error: type, says: str
) -> None:
    bad = sim.build_notification(**options)
    with pytest.raises(error, match=says) as raised:
        client.parse_notification(bad["headers"], bad["body"])
    assert raised.value.request_sent is False  # type: ignore[attr-defined]


def test_any_event_type_is_accepted(sim: Sim, client: wxface.Client) -> None:
    payment = sim.build_notification(event_type="TRANSACTION.SUCCESS")
    got = client.parse_notification(payment["headers"], payment["body"])
    assert got.event_type == "TRANSACTION.SUCCESS"
    assert got.resource_text == payment["plaintext"]
    text = sim.build_notification(plaintext="not JSON")
    assert client.parse_notification(text["headers"], text["body"]).resource == {}


def test_without_the_apiv3_key_parsing_is_a_config_error(sim: Sim, notification: Dict[str, Any]) -> None:
    config = sim.config()
    del config["apiv3_key"]
    with wxface.Client(config) as client:
        with pytest.raises(wxface.ConfigError, match="APIv3 key"):
            client.parse_notification(notification["headers"], notification["body"])


def test_a_closed_client_refuses(sim: Sim, notification: Dict[str, Any]) -> None:
    client = wxface.Client(sim.config())
    client.close()
    with pytest.raises(wxface.InvalidArgumentError, match="closed"):
        client.parse_notification(notification["headers"], notification["body"])
    with pytest.raises(wxface.InvalidArgumentError, match="closed"):
        client.refresh_platform_certificates()


def test_refresh_counts_the_certificates_and_follows_a_rotation(certificate_sim: Sim) -> None:
    with wxface.Client(certificate_sim.config()) as client:
        assert client.refresh_platform_certificates() >= 1
        certificate_sim.rotate_platform_certificate()
        assert client.refresh_platform_certificates() == 2
        client.terminate_contract(ORG, fresh_users(1)[0])
    with wxface.Client(certificate_sim.config(apiv3_key=WRONG_APIV3_KEY)) as wrong:
        with pytest.raises(wxface.SignatureError, match="APIv3 key"):
            wrong.refresh_platform_certificates()


def test_an_auto_client_needs_no_configured_key(certificate_sim: Sim) -> None:
    with wxface.Client.from_file(certificate_sim.state_dir / "client-auto.json") as client:
        client.terminate_contract(ORG, fresh_users(1)[0])


# -------------------------------------------------------------------------------------------
# The example receiver, fed by the simulator
# -------------------------------------------------------------------------------------------

EXAMPLE = REPO / "examples" / "python" / "notify_server.py"


@pytest.fixture
def receiver(sim: Sim) -> Iterator["subprocess.Popen[str]"]:
    """examples/python/notify_server.py serving the sim's client.json on a free port; the sim
    sends its notifications there for the test."""
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLE), str(sim.config_path), "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    ready = proc.stdout.readline()
    assert ready.startswith("listening on http://127.0.0.1:"), ready
    sim.clear_notifications()
    sim.set_notify_url(ready.split()[-1])
    try:
        yield proc
    finally:
        sim.set_notify_url(None)
        sim.clear_notifications()
        proc.terminate()
        proc.wait(timeout=10)


def test_the_example_receiver_accepts_what_the_sim_sends(
    sim: Sim, client: wxface.Client, receiver: "subprocess.Popen[str]"
) -> None:
    user = fresh_users(1)[0]
    client.terminate_contract(ORG, user)
    [delivery] = sim.wait_for_notifications(1)
    assert delivery["outcome"] == "delivered", delivery
    assert delivery["attempts"][-1]["status"] == 204
    assert receiver.stdout is not None
    line = receiver.stdout.readline()
    assert f"FACEPAY.USER_STATE_CHANGE user {user}" in line, line
    assert f"in {ORG}" in line

    # A tampered one is answered 400 {"code": "FAIL"} and retried by the sim.
    sim.clear_notifications()
    failed = sim._control("POST", "/__sim/notifications/send", {"tamper": True, "retries": 1, "backoff_ms": 1})
    assert failed["outcome"] == "failed", failed
    assert [a["status"] for a in failed["attempts"]] == [400, 400]
    assert '"code": "FAIL"' in failed["attempts"][0]["reply"]
    assert receiver.stdout.readline().startswith("refused: ")

