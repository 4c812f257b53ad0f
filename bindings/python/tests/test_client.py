"""terminate_contract against wxface-sim: success, API errors, untrusted responses, timeouts,
argument checks, and the ways to configure a client."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import wxface
from wxface import Status, _native

from conftest import ORG, TERMINATED_USER, UNKNOWN_USER, Sim, fresh_users, user_id


def test_happy_path(client: wxface.Client, user: str) -> None:
    response = client.terminate_contract(ORG, user)
    assert isinstance(response, wxface.Response)
    assert (response.http_status, response.body, response.json, dict(response)) == (204, "", None, {})
    assert response.request_id


def test_ids_are_percent_encoded(client: wxface.Client) -> None:
    # The fixture's second organization has characters outside RFC 3986 "unreserved".
    client.terminate_contract("ORG:1+2@x", "u~._-9")


def test_terminating_twice_is_param_error(client: wxface.Client, user: str) -> None:
    client.terminate_contract(ORG, user)
    with pytest.raises(wxface.ApiError) as info:
        client.terminate_contract(ORG, user)
    assert info.value.http_status == 400
    assert info.value.api_code == "PARAM_ERROR"


def test_already_terminated_user_is_param_error(client: wxface.Client) -> None:
    with pytest.raises(wxface.ApiError) as info:
        client.terminate_contract(ORG, TERMINATED_USER)
    error = info.value
    assert isinstance(error, wxface.WxfaceError)
    assert error.status == Status.API
    assert error.http_status == 400
    assert error.api_code == "PARAM_ERROR"
    assert error.request_id
    assert error.message


def test_unknown_user_is_not_found(client: wxface.Client) -> None:
    with pytest.raises(wxface.ApiError) as info:
        client.terminate_contract(ORG, UNKNOWN_USER)
    error = info.value
    assert (error.status, error.http_status, error.api_code) == (Status.API, 404, "NOT_FOUND")
    assert error.request_id
    assert error.message


def test_unknown_organization_is_not_found(client: wxface.Client) -> None:
    with pytest.raises(wxface.ApiError) as info:
        client.terminate_contract("NO_SUCH_ORG", user_id(1))
    assert (info.value.http_status, info.value.api_code) == (404, "NOT_FOUND")


def test_wrong_merchant_key_is_sign_error_with_detail(sim: Sim, foreign_state_dir: Path, user: str) -> None:
    before = sim.stats()["signature_failures"]
    config = sim.config(private_key_file=str(foreign_state_dir / "merchant_key.pem"))
    with wxface.Client(config) as client:
        with pytest.raises(wxface.ApiError) as info:
            client.terminate_contract(ORG, user)
    error = info.value
    assert (error.status, error.http_status, error.api_code) == (Status.API, 401, "SIGN_ERROR")
    assert error.request_id
    assert isinstance(error.detail, dict), error.detail
    sign_information = error.detail["sign_information"]
    target = f"/v3/offlinefacemch/organizations/{ORG}/users/user-id/{user}/terminate-contract"
    assert sign_information["truncated_sign_message"].startswith(f"POST\n{target}\n")
    assert sim.stats()["signature_failures"] == before + 1


def test_bad_answer_signature_is_signature_error(sim: Sim, client: wxface.Client, user: str) -> None:
    sim.set_fault("bad_signature", 1)
    with pytest.raises(wxface.SignatureError) as info:
        client.terminate_contract(ORG, user)
    assert info.value.status == Status.SIGNATURE
    assert info.value.message


def test_timeout_is_a_builtin_timeout_error(sim: Sim, user: str) -> None:
    sim.set_fault("delay:3000", 1)
    with wxface.Client(sim.config(request_timeout_ms=1000)) as client:
        started = time.monotonic()
        with pytest.raises(TimeoutError) as info:
            client.terminate_contract(ORG, user)
        elapsed = time.monotonic() - started
    assert isinstance(info.value, wxface.WxfaceTimeoutError)
    assert info.value.status == Status.TIMEOUT
    assert elapsed < 2.9, f"the 1 s deadline took {elapsed:.2f} s"


BAD_IDS = ["", ".", "..", "a/b", "a?b", "a#b", "a%b", "a\\b", "a b", "x" * 257, "\u00e9", "\t"]


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
def test_invalid_ids_are_value_errors_and_send_nothing(sim: Sim, client: wxface.Client, bad: str) -> None:
    before = sim.stats()["requests_total"]
    with pytest.raises(ValueError) as by_org:
        client.terminate_contract(bad, user_id(1))
    with pytest.raises(wxface.InvalidArgumentError) as by_user:
        client.terminate_contract(ORG, bad)
    assert by_org.value.status == by_user.value.status == Status.INVALID_ARGUMENT
    assert by_user.value.message
    assert sim.stats()["requests_total"] == before


def test_nul_is_rejected_before_any_native_call(
    monkeypatch: pytest.MonkeyPatch, client: wxface.Client, native: _native.NativeLibrary
) -> None:
    calls = []
    monkeypatch.setattr(native, "terminate_contract", lambda *args: calls.append(args))
    with pytest.raises(wxface.InvalidArgumentError, match="NUL"):
        client.terminate_contract(ORG, "U00\x0000001")
    with pytest.raises(wxface.InvalidArgumentError, match="NUL"):
        client.terminate_contract("DBES\x00", user_id(1))
    assert calls == []


def test_non_string_ids_are_type_errors(client: wxface.Client) -> None:
    with pytest.raises(TypeError):
        client.terminate_contract(ORG, 1)  # type: ignore[arg-type]


# --- configuration ---------------------------------------------------------------------------


def test_unknown_config_key_is_config_error_naming_it(sim: Sim) -> None:
    with pytest.raises(wxface.ConfigError) as info:
        wxface.Client(sim.config(surprise_key=1))
    assert info.value.status == Status.CONFIG
    assert "surprise_key" in info.value.message


def test_missing_mchid_is_config_error(sim: Sim) -> None:
    config = sim.config()
    del config["mchid"]
    with pytest.raises(wxface.ConfigError, match="mchid"):
        wxface.Client(config)


def test_wrong_type_is_config_error_naming_the_key(sim: Sim) -> None:
    with pytest.raises(wxface.ConfigError, match="request_timeout_ms"):
        wxface.Client(sim.config(request_timeout_ms="soon"))


def test_config_json_that_is_not_json(sim: Sim) -> None:
    with pytest.raises(wxface.ConfigError):
        wxface.Client("{not json")


def test_nul_in_config_is_invalid_argument(sim: Sim) -> None:
    with pytest.raises(wxface.InvalidArgumentError):
        wxface.Client(sim.config(mchid="19\x0000"))
    with pytest.raises(wxface.InvalidArgumentError):
        wxface.Client('{"mchid": "1\x00"}')


def test_config_as_json_text(sim: Sim, user: str) -> None:
    with wxface.Client(sim.config_path.read_text()) as client:
        client.terminate_contract(ORG, user)


def test_config_as_path(sim: Sim, user: str) -> None:
    with wxface.Client(sim.config_path) as client:
        client.terminate_contract(ORG, user)


def test_from_file(sim: Sim) -> None:
    first, second = fresh_users(2)
    with wxface.Client.from_file(sim.config_path) as client:
        client.terminate_contract(ORG, first)
    with wxface.Client.from_file(str(sim.config_path)) as client:
        client.terminate_contract(ORG, second)


def test_from_missing_file_is_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(wxface.ConfigError, match="nope.json"):
        wxface.Client.from_file(missing)
    with pytest.raises(wxface.ConfigError, match="nope.json"):
        wxface.Client(missing)


def test_from_file_is_read_by_the_library(sim: Sim, tmp_path: Path) -> None:
    """A UTF-8 BOM is skipped and relative key paths resolve against the file's folder (not
    the working directory), as for every language: the library reads the file."""
    config = sim.config()
    keys = tmp_path / "keys"
    keys.mkdir()
    for key in ("private_key_file", "wechatpay_public_key_file", "root_ca_file"):
        source = Path(config[key])
        (keys / source.name).write_bytes(source.read_bytes())
        config[key] = f"keys/{source.name}"
    path = tmp_path / "client.json"
    path.write_text("\ufeff" + json.dumps(config), encoding="utf-8")
    with wxface.Client.from_file(path) as client:
        client.terminate_contract(ORG, fresh_users(1)[0])
    with wxface.Client(path) as client:
        client.terminate_contract(ORG, fresh_users(1)[0])


def test_from_file_refuses_a_fifo_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "client.json"
    os.mkfifo(fifo)
    with pytest.raises(wxface.ConfigError, match="is a FIFO"):
        wxface.Client.from_file(fifo)


def test_pem_given_as_bytes(sim: Sim, user: str) -> None:
    config = sim.config()
    key_file = config.pop("private_key_file")
    config["private_key_pem"] = Path(key_file).read_bytes()
    with wxface.Client(config) as client:
        client.terminate_contract(ORG, user)



# --- safe retries (request_sent) and hostile input ------------------------------------------


def test_request_sent_tells_whether_a_retry_is_safe(sim: Sim, client: wxface.Client) -> None:
    first, second, third = fresh_users(3)
    with pytest.raises(wxface.InvalidArgumentError) as invalid:
        client.terminate_contract(ORG, "a/b")
    assert invalid.value.request_sent is False
    with pytest.raises(wxface.ApiError) as api:
        client.terminate_contract(ORG, TERMINATED_USER)
    assert api.value.request_sent is True
    sim.set_fault("bad_signature", 1)
    with pytest.raises(wxface.SignatureError) as signature:
        client.terminate_contract(ORG, first)
    assert signature.value.request_sent is True
    sim.set_fault("drop_connection", 1)
    with pytest.raises(wxface.NetworkError) as dropped:
        client.terminate_contract(ORG, second)
    assert dropped.value.request_sent is True, "the request was written: the outcome is unknown"
    # Nothing listens on port 1 of the loopback: refused before a byte was written.
    with wxface.Client(sim.config(base_url="https://127.0.0.1:1")) as unreachable:
        with pytest.raises(wxface.NetworkError) as refused:
            unreachable.terminate_contract(ORG, third)
    assert refused.value.request_sent is False
    assert "request_sent=True" in repr(dropped.value)


def test_errors_survive_pickling_with_every_field(client: wxface.Client) -> None:
    import pickle

    with pytest.raises(wxface.ApiError) as info:
        client.terminate_contract(ORG, TERMINATED_USER)
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is wxface.ApiError
    fields = ("status", "message", "http_status", "api_code", "request_id", "detail", "request_sent")
    assert [getattr(copy, f) for f in fields] == [getattr(info.value, f) for f in fields]


def test_a_pem_given_as_a_file_path_is_never_quoted(sim: Sim) -> None:
    config = sim.config()
    pem = Path(config["private_key_file"]).read_text()
    body_lines = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    for key in ("private_key_file", "wechatpay_public_key_file", "root_ca_file"):
        with pytest.raises(wxface.ConfigError) as info:
            wxface.Client(sim.config(**{key: pem}))
        message = info.value.message
        assert "a PEM document, not a file path" in message
        assert not any(line in message for line in body_lines), message
        assert not any(line in repr(info.value) for line in body_lines)


def test_a_key_given_twice_in_json_text_is_refused(sim: Sim) -> None:
    text = sim.config_path.read_text().rstrip().rstrip("}") + ', "base_url": "https://127.0.0.1:1"}'
    with pytest.raises(wxface.ConfigError, match='"base_url" is given twice'):
        wxface.Client(text)


@pytest.mark.parametrize("port", ["0", "65536", "99999"])
def test_a_port_outside_1_to_65535_is_refused(sim: Sim, port: str) -> None:
    with pytest.raises(wxface.ConfigError, match="port"):
        wxface.Client(sim.config(base_url=f"https://127.0.0.1:{port}"))
