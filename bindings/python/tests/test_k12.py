"""The K12 operations of bindings.md's 0.2 additions against wxface-sim: ``wxface.Response`` as a
read-only mapping, each operation's answer and what the simulator received (it opens the
encrypted fields), invalid arguments that send nothing, API errors, ``client.request``, a
deduction that is never sent twice, and ``examples/python/pupil_leaves.py``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, Callable, Dict, List

import pytest

import wxface
from wxface import Status

from conftest import IDS, ORG, REPO, Sim, contract_id, fresh_numbers, out_user_id, user_id

ORG_NAME: str = IDS["organization_name"]
ENCODED_ORG: str = IDS["encoded_organization_id"]
DEBT_OUT_USER: str = IDS["debt_out_user_id"]
UNKNOWN_OUT_USER: str = IDS["unknown_out_user_id"]
COLLECTIONS = [
    (IDS["collection_required_id"], "COLLECTION_REQUIRED"),
    (IDS["photo_uploaded_collection_id"], "PHOTO_UPLOADED"),
    (IDS["complete_collection_id"], "COMPLETE"),
]


def fresh() -> int:
    """The number of a contracted user no other test uses."""
    return fresh_numbers(1)[0]


def user_path(organization_id: str, out_user: str) -> str:
    return f"/v3/offlinefacemch/organizations/{organization_id}/users/out-user-id/{out_user}"


def authinfo_request() -> Dict[str, Any]:
    return {
        "sp_appid": "wxsp0000000001",
        "sub_mchid": "1900000109",
        "device_id": "DEVICE-01",
        "raw_data": "RAW-DATA-FROM-THE-DEVICE",
        "organization_id": ORG,
    }


def presign_request(out_user: str) -> Dict[str, Any]:
    """A presign request with the six sensitive fields in plain text."""
    return {
        "business_name": "食堂",
        "facepay_user": {
            "out_user_id": out_user,
            "organization_id": ORG,
            "identification": {"identification_type": "IDCARD", "identification_number": "110101201001011234"},
            "phone": "13800138000",
        },
        "limit_bank_card": {
            "bank_card_number": "6222020000000000000",
            "identification_name": "张大山",
            "identification": {"identification_type": "IDCARD", "identification_number": "110101198001011234"},
            "valid_thru": "12/29",
            "phone": "13900139000",
        },
        "contract_mode": "LIMIT_BANK_CARD",
    }


def deduction_request(n: int, out_trade_no: str, auth_code_prefix: str = IDS["auth_code_prefix"]) -> Dict[str, Any]:
    """A deduction paid by contracted user ``n``."""
    return {
        "auth_code": f"{auth_code_prefix}{user_id(n)}",
        "sp_mchid": "1900000001",
        "sub_mchid": "1900000109",
        "amount": {"total": 1250, "currency": "CNY"},
        "scene_info": {"device_ip": "10.1.2.3"},
        "description": "午餐",
        "out_trade_no": out_trade_no,
        "business": {"business_product_id": 2, "business_scene_id": 3},
    }


# --- wxface.Response ---------------------------------------------------------------------------


def test_response_is_a_read_only_mapping_of_the_body(client: wxface.Client) -> None:
    n = fresh()
    response = client.query_user(ORG, out_user_id(n))
    body = json.loads(response.body)
    assert isinstance(response, Mapping) and not isinstance(response, MutableMapping)
    assert (response.http_status, response.json) == (200, body)
    assert isinstance(response.request_id, str) and response.request_id
    assert response["use_id"] == user_id(n)
    assert response["student_info"] == body["student_info"]
    assert response.get("contract_id") == contract_id(n)
    assert response.get("no_such_field") is None
    assert response.get("no_such_field", "default") == "default"
    assert "use_id" in response and "no_such_field" not in response
    assert len(response) == len(body)
    assert list(response) == list(body), "iteration keeps the order of the body"
    assert dict(response.items()) == body
    with pytest.raises(KeyError):
        response["no_such_field"]
    with pytest.raises(TypeError):
        response["use_id"] = "U1"  # type: ignore[index]
    with pytest.raises(TypeError):
        del response["use_id"]  # type: ignore[attr-defined]
    assert response["use_id"] == user_id(n)
    assert repr(response).startswith("<wxface.Response 200 request_id=")
    # Nested values and .json are copies; the attributes cannot be set.
    response["student_info"]["class_name"] = "changed"
    response.json["use_id"] = "changed"
    assert response["student_info"] == body["student_info"] and response["use_id"] == user_id(n)
    for attribute in ("http_status", "request_id", "body", "json"):
        with pytest.raises(AttributeError):
            setattr(response, attribute, None)


def test_a_204_response_is_an_empty_mapping(client: wxface.Client) -> None:
    response = client.terminate_contract(ORG, user_id(fresh()))
    assert (response.http_status, response.body, response.json, len(response), list(response)) == (204, "", None, 0, [])
    assert response.get("anything") is None
    assert response.request_id


# --- each operation: the answer, and what the simulator received --------------------------------


def test_query_organization_by_id_or_by_name(sim: Sim, client: wxface.Client) -> None:
    by_name = client.query_organization(organization_name=ORG_NAME)
    assert dict(by_name) == {"organization_id": ORG, "organization_name": ORG_NAME}
    encoded = "".join(f"%{byte:02X}" for byte in ORG_NAME.encode())
    assert sim.last_request()["target"] == f"/v3/offlinefacemch/organizations?organization_name={encoded}"

    by_id = client.query_organization(organization_id=ENCODED_ORG)
    assert by_id["organization_id"] == ENCODED_ORG
    assert sim.last_request()["target"] == "/v3/offlinefacemch/organizations?organization_id=ORG%3A1%2B2%40x"


def test_create_auth_token(sim: Sim, client: wxface.Client) -> None:
    out = out_user_id(fresh())
    token = client.create_auth_token(ORG, out)
    assert isinstance(token["token"], str) and token["token"]
    arrived = sim.last_request()
    assert (arrived["method"], arrived["target"]) == ("POST", "/v3/offlinefacemch/tokens")
    assert arrived["body"] == {"scene": "WEBSESSION", "web_init_data": {"out_user_id": out, "organization_id": ORG}}


def test_query_user(sim: Sim, client: wxface.Client) -> None:
    n = fresh()
    pupil = client.query_user(ORG, out_user_id(n))
    assert pupil["use_id"] == user_id(n)
    assert pupil["out_user_id"] == out_user_id(n)
    assert pupil["organization_id"] == ORG
    assert (pupil["contract_state"], pupil["status"], pupil["user_type"]) == ("CONTRACTED", "NORMAL", "STUDENT")
    assert pupil["face_image_ok"] is True
    assert pupil["contract_id"] == contract_id(n)
    assert sim.last_request()["target"] == user_path(ORG, out_user_id(n))

    staff = client.query_user(ORG, IDS["staff_out_user_id"])
    assert (staff["use_id"], staff["user_type"]) == (IDS["staff_user_id"], "STUFF")
    assert "occupation" in staff["staff_info"]
    assert "contract_id" not in staff


def test_update_user_sends_name_and_phone_encrypted(sim: Sim, client: wxface.Client) -> None:
    out = out_user_id(fresh())
    changes = {"user_name": "张三", "phone": "13800138000", "student_info": {"class_name": "四年级1班"}}
    response = client.update_user(ORG, out, changes)
    assert (response.http_status, response.body, dict(response)) == (204, "", {})
    # The sim refuses an ENC field it cannot open with its WeChat Pay key; here it opened both.
    arrived = sim.last_request()
    assert (arrived["method"], arrived["target"]) == ("PATCH", user_path(ORG, out))
    assert arrived["body"] == changes
    assert arrived["wechatpay_serial"] == sim.config()["wechatpay_public_key_id"]
    user = client.query_user(ORG, out)
    assert (user["user_name"], user["student_info"]["class_name"]) == ("张三", "四年级1班")


def test_terminate_contract(sim: Sim, client: wxface.Client) -> None:
    n = fresh()
    response = client.terminate_contract(ORG, user_id(n))
    assert (response.http_status, response.body) == (204, "")
    assert sim.last_request()["target"] == (
        f"/v3/offlinefacemch/organizations/{ORG}/users/user-id/{user_id(n)}/terminate-contract"
    )
    assert client.query_contract(contract_id(n))["contract_state"] == "TERMINATED"


def test_path_ids_are_percent_encoded(sim: Sim, client: wxface.Client) -> None:
    odd = client.query_user(ENCODED_ORG, IDS["encoded_out_user_id"])
    assert odd["use_id"] == IDS["encoded_user_id"]
    assert sim.last_request()["target"] == user_path("ORG%3A1%2B2%40x", "s~._-9")


def test_get_authinfo(sim: Sim, client: wxface.Client) -> None:
    response = client.get_authinfo(authinfo_request())
    assert isinstance(response["authinfo"], str) and response["authinfo"]
    assert sim.last_request()["body"] == authinfo_request()


def test_presign_contract_sends_the_six_sensitive_fields_encrypted(sim: Sim, client: wxface.Client) -> None:
    request = presign_request(out_user_id(fresh()))
    response = client.presign_contract(request)
    assert isinstance(response["presign_token"], str) and response["presign_token"]
    arrived = sim.last_request()
    assert arrived["target"] == "/v3/offlineface/contracts/presign"
    assert arrived["body"] == request, "opened by the sim, the body is the request as given"


def test_query_contract_with_and_without_appid(sim: Sim, client: wxface.Client) -> None:
    n = fresh()
    contract = client.query_contract(contract_id(n), appid="wxsp0000000001")
    assert (contract["contract_id"], contract["use_id"], contract["contract_state"]) == (
        contract_id(n),
        user_id(n),
        "CONTRACTED",
    )
    assert sim.last_request()["target"] == f"/v3/offlineface/contracts/{contract_id(n)}?appid=wxsp0000000001"
    ended = client.query_contract(IDS["terminated_contract_id"])
    assert ended["contract_state"] == "TERMINATED"
    assert "contract_terminated_time" in ended
    assert sim.last_request()["target"] == f"/v3/offlineface/contracts/{IDS['terminated_contract_id']}"


def test_list_face_collections_and_query_each(sim: Sim, client: wxface.Client) -> None:
    listed = client.list_face_collections(ORG)
    assert [(c["collection_id"], c["collection_state"]) for c in listed["face_collections"]] == COLLECTIONS
    assert sim.last_request()["target"] == f"/v3/offlineface/face-collections?organization_id={ORG}&offset=0"
    page = client.list_face_collections(ORG, offset=1, limit=1)
    assert page["face_collections"] == listed["face_collections"][1:2]
    assert sim.last_request()["target"].endswith("&offset=1&limit=1")
    for collection_id, state in COLLECTIONS:
        one = client.query_face_collection(collection_id)
        assert (one["collection_id"], one["collection_state"], one["organization_id"]) == (collection_id, state, ORG)


def test_apply_deduction_then_query_it(sim: Sim, client: wxface.Client) -> None:
    n = fresh()
    trade = f"T:{n}+1"  # `:` and `+` are percent-encoded in the path
    applied = client.apply_deduction(deduction_request(n, trade))
    assert (applied["trade_state"], applied["debt_state"], applied["out_trade_no"]) == ("SUCCESS", "NO_DEBT", trade)
    assert applied["amount"] == {"total": 1250, "currency": "CNY"}
    assert sim.last_request()["body"] == deduction_request(n, trade)
    found = client.query_deduction(trade, "1900000001", "1900000109", "2")
    assert found.json == applied.json
    assert sim.last_request()["target"] == (
        f"/v3/offlineface/transactions/out-trade-no/T%3A{n}%2B1"
        "?sp_mchid=1900000001&sub_mchid=1900000109&business_product_id=2"
    )


def test_get_repayment_url(sim: Sim, client: wxface.Client) -> None:
    response = client.get_repayment_url(ORG, DEBT_OUT_USER)
    assert response["repayment_url"].startswith("https://")
    assert response["expire_at"]
    assert sim.last_request()["body"] == {"out_user_id": DEBT_OUT_USER, "organization_id": ORG}


# --- client.request: the generic signed call ----------------------------------------------------


def test_request_get_with_an_encoded_query(sim: Sim, client: wxface.Client) -> None:
    target = f"/v3/offlinefacemch/organizations?organization_id={ORG}"
    response = client.request("GET", target)
    assert (response.http_status, response["organization_name"]) == (200, ORG_NAME)
    assert (sim.last_request()["method"], sim.last_request()["target"]) == ("GET", target)


def test_request_post_with_a_json_body(sim: Sim, client: wxface.Client) -> None:
    body = {"out_user_id": DEBT_OUT_USER, "organization_id": ORG}
    response = client.request("POST", "/v3/offlineface/repayment-url", json=body)
    assert response["repayment_url"].startswith("https://")
    assert sim.last_request()["body"] == body


def test_request_encrypts_the_fields_it_is_told_to(sim: Sim, client: wxface.Client) -> None:
    out = out_user_id(fresh())
    body = {"user_name": "王小明", "phone": "13700137000"}
    with pytest.raises(wxface.ApiError) as plain:
        client.request("PATCH", user_path(ORG, out), json=body)
    assert (plain.value.http_status, plain.value.api_code) == (400, "PARAM_ERROR")
    assert "is not encrypted with the WeChat Pay key" in plain.value.message

    response = client.request("PATCH", user_path(ORG, out), json=body, encrypt=["/user_name", "/phone"])
    assert (response.http_status, response.body, response.json) == (204, "", None)
    assert sim.last_request()["body"] == body
    assert client.query_user(ORG, out)["user_name"] == "王小明"


# --- invalid arguments: refused before anything is sent -----------------------------------------

OUT = IDS["payer_out_user_id"]  # nothing reaches the sim: any well-formed id does

INVALID: List[Any] = [
    (lambda c: c.query_organization(), "give exactly one of organization_id and organization_name"),
    (lambda c: c.query_organization(organization_id=ORG, organization_name=ORG_NAME), "exactly one"),
    (lambda c: c.query_organization(organization_name=""), "organization_name: must not be empty"),
    (lambda c: c.query_organization(organization_id="x" * 257), "organization_id: is 257 bytes long"),
    (lambda c: c.create_auth_token(ORG, OUT, scene=""), "scene must be 1 to 256 bytes"),
    (lambda c: c.query_user(ORG, "a/b"), "out_user_id: character '/'"),
    (lambda c: c.update_user(ORG, OUT, {}), "the changes must hold at least one field"),
    (lambda c: c.update_user(ORG, OUT, {"use_id": "U1"}), 'unknown field "use_id"'),
    (lambda c: c.update_user(ORG, OUT, {"user_name": 7}), "user_name must be a string"),
    (lambda c: c.update_user(ORG, OUT, {"phone": {1, 2}}), "changes cannot be written as JSON"),
    (lambda c: c.terminate_contract(ORG, ".."), "user_id"),
    (lambda c: c.get_authinfo({**authinfo_request(), "user_id": "U1"}), 'unknown field "user_id"'),
    (lambda c: c.get_authinfo({}), "sp_appid is required"),
    (lambda c: c.presign_contract({"business_name": "x"}), "facepay_user is required"),
    (lambda c: c.query_contract("CT 1"), "contract_id"),
    (lambda c: c.query_contract(IDS["terminated_contract_id"], appid=""), "appid: must not be empty"),
    (lambda c: c.list_face_collections(ORG, offset=-1), "offset must be 0 to 4294967295"),
    (lambda c: c.list_face_collections(""), "organization_id: must not be empty"),
    (lambda c: c.query_face_collection("FC#1"), "collection_id"),
    (lambda c: c.apply_deduction({**deduction_request(1, "T-1"), "amount": {"total": 12.5, "currency": "CNY"}}),
     "amount.total must be an integer"),
    (lambda c: c.apply_deduction({**deduction_request(1, "T-1"), "user_id": "U1"}), 'unknown field "user_id"'),
    (lambda c: c.query_deduction("T-1", "1900000001", "1900000109", ""), "business_product_id: must not be empty"),
    (lambda c: c.query_deduction("T-1", "1900000001", "19\0", "2"), "NUL"),
    (lambda c: c.get_repayment_url(ORG, ""), "out_user_id must be 1 to 256 bytes"),
    (lambda c: c.request("get", "/v3/x"), "method must be GET, POST, PUT, PATCH or DELETE"),
    (lambda c: c.request("GET", "/v2/x"), "target must start with /v3/"),
    (lambda c: c.request("GET", "/v3/a b"), "not printable ASCII"),
    (lambda c: c.request("POST", "/v3/x", json={"a": "b"}, encrypt=["/c"]), "names no string in the body"),
    (lambda c: c.request("POST", "/v3/x", encrypt=["/c"]), "encrypt pointers were given for a call without a body"),
]


@pytest.mark.parametrize("call, says", INVALID, ids=[says for _, says in INVALID])
def test_invalid_arguments_send_nothing(
    sim: Sim, client: wxface.Client, call: Callable[[wxface.Client], Any], says: str
) -> None:
    before = sim.stats()["requests_total"]
    with pytest.raises(wxface.InvalidArgumentError) as info:
        call(client)
    assert says in info.value.message
    assert (info.value.status, info.value.request_sent, info.value.http_status) == (Status.INVALID_ARGUMENT, False, 0)
    assert sim.stats()["requests_total"] == before


def test_arguments_of_the_wrong_python_type_are_type_errors(client: wxface.Client) -> None:
    with pytest.raises(TypeError):
        client.query_organization(ORG)  # type: ignore[misc]
    with pytest.raises(TypeError):
        client.list_face_collections(ORG, limit="10")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.request("POST", "/v3/x", json={"phone": "1"}, encrypt="/phone")
    with pytest.raises(TypeError):
        client.query_contract(None)  # type: ignore[arg-type]


# --- answers that are not the documented success ------------------------------------------------

API_ERRORS: List[Any] = [
    ("query_organization", lambda c: c.query_organization(organization_id=IDS["unknown_organization_id"]), 404),
    ("create_auth_token", lambda c: c.create_auth_token(ORG, UNKNOWN_OUT_USER), 404),
    ("query_user", lambda c: c.query_user(ORG, UNKNOWN_OUT_USER), 404),
    ("update_user", lambda c: c.update_user(ORG, UNKNOWN_OUT_USER, {"status": "NORMAL"}), 404),
    ("terminate_contract", lambda c: c.terminate_contract(ORG, IDS["terminated_user_id"]), 400),
    ("get_authinfo", lambda c: c.get_authinfo({**authinfo_request(), "organization_id": "NOPE"}), 404),
    ("presign_contract", lambda c: c.presign_contract(presign_request(UNKNOWN_OUT_USER)), 404),
    ("query_contract", lambda c: c.query_contract("CT8888888888"), 404),
    ("list_face_collections", lambda c: c.list_face_collections(IDS["unknown_organization_id"]), 404),
    ("query_face_collection", lambda c: c.query_face_collection(IDS["unknown_collection_id"]), 404),
    (
        "apply_deduction",
        lambda c: c.apply_deduction({**deduction_request(1, "T-x"), "auth_code": IDS["invalid_auth_code"]}),
        400,
    ),
    ("query_deduction", lambda c: c.query_deduction("T-none", "1900000001", "1900000109", "2"), 404),
    ("get_repayment_url", lambda c: c.get_repayment_url(ORG, out_user_id(fresh())), 404),
    ("request", lambda c: c.request("GET", "/v3/offlineface/no-such-api"), 404),
]


@pytest.mark.parametrize("name, call, http_status", API_ERRORS, ids=[name for name, _, _ in API_ERRORS])
def test_api_errors_say_the_request_was_sent(
    sim: Sim, client: wxface.Client, name: str, call: Callable[[wxface.Client], Any], http_status: int
) -> None:
    before = sim.stats()["requests_total"]
    with pytest.raises(wxface.ApiError) as info:
        call(client)
    error = info.value
    assert (error.status, error.http_status, error.request_sent) == (Status.API, http_status, True)
    assert error.api_code and error.request_id
    assert error.message.startswith(f"WeChat Pay answered {http_status} {error.api_code}: ")
    assert sim.stats()["requests_total"] == before + 1


def test_an_answer_that_does_not_verify_is_a_signature_error(sim: Sim, client: wxface.Client) -> None:
    sim.set_fault("bad_signature", 1)
    with pytest.raises(wxface.SignatureError) as info:
        client.query_user(ORG, out_user_id(fresh()))
    assert (info.value.status, info.value.request_sent) == (Status.SIGNATURE, True)


def test_a_204_where_data_is_documented_is_a_response_error(sim: Sim, client: wxface.Client) -> None:
    sim.set_fault("status:204", 1)
    with pytest.raises(wxface.ResponseError) as info:
        client.get_repayment_url(ORG, DEBT_OUT_USER)
    assert (info.value.http_status, info.value.request_sent) == (204, True)


# --- money moves once ----------------------------------------------------------------------------


def test_a_deduction_is_never_sent_twice_by_the_library(sim: Sim, client: wxface.Client) -> None:
    n = fresh()
    request = deduction_request(n, f"T-{n}")
    before = sim.stats()
    sim.set_fault("drop_connection", 1)
    with pytest.raises(wxface.NetworkError) as info:
        client.apply_deduction(request)
    assert info.value.request_sent is True, "the outcome is unknown: query before trying again"
    after = sim.stats()
    assert after["requests_total"] == before["requests_total"] + 1
    assert after["deductions_recorded"] == before["deductions_recorded"]

    # Trying again with the same out_trade_no is the caller's decision; it is recorded once.
    first = client.apply_deduction(request)
    again = client.apply_deduction(request)
    assert again.json == first.json
    final = sim.stats()
    assert final["deductions_recorded"] == before["deductions_recorded"] + 1
    assert final["deductions_repeated"] == before["deductions_repeated"] + 1


# --- examples/python/pupil_leaves.py -------------------------------------------------------------


def run_pupil_leaves(sim: Sim, out_user: str) -> "subprocess.CompletedProcess[str]":
    example = REPO / "examples" / "python" / "pupil_leaves.py"
    return subprocess.run(
        [sys.executable, str(example), str(sim.config_path), ORG, out_user],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_example_pupil_leaves(sim: Sim, client: wxface.Client) -> None:
    # A pupil runs into debt (the sim's insufficient-balance auth code), then leaves.
    n = fresh()
    name = client.query_user(ORG, out_user_id(n))["user_name"]
    debt = client.apply_deduction(deduction_request(n, f"T-{n}", IDS["debt_auth_code"] + "-"))
    assert debt["debt_state"] == "DEBT"
    done = run_pupil_leaves(sim, out_user_id(n))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"pupil {out_user_id(n)} ({name}): contract CONTRACTED"
    assert lines[1].startswith("owes money: repayment link https://")
    assert lines[2].startswith("terminated: request id ") and len(lines[2]) > len("terminated: request id ")
    assert client.query_user(ORG, out_user_id(n))["contract_state"] == "TERMINATED"

    again = run_pupil_leaves(sim, out_user_id(n))
    assert (again.returncode, again.stdout.splitlines()[-1]) == (0, "nothing to terminate")

    unknown = run_pupil_leaves(sim, UNKNOWN_OUT_USER)
    assert unknown.returncode == 1
    assert "http 404 NOT_FOUND" in unknown.stderr
