"""wechatpayv3 (PyPI) against wxface-sim: signed, verified terminate-contract calls.

Usage: python python_peer.py STATE_DIR CALLS WARMUP   (REQUESTS_CA_BUNDLE=STATE_DIR/ca.pem)
Prints `RESULT wechatpayv3 <calls/s> <client CPU µs per call>`.

The SDK has no K12 method; its API methods all end in Core.request(path, method, data), which
signs the request and verifies a 2xx response with the configured WeChat Pay public key, so that
is what we call. Its gateway is the fixed attribute Core._gate_way (no constructor option);
the CA comes from REQUESTS_CA_BUNDLE, which requests honours for every call.
"""
import json
import os
import resource
import sys
import time

import requests
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.type import RequestType

ORG, USER = "DBES323aeb", "U0000000001"
PATH = f"/v3/offlinefacemch/organizations/{ORG}/users/user-id/{USER}/terminate-contract"


def cpu_us():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return (r.ru_utime + r.ru_stime) * 1e6


def main():
    state, calls, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(os.path.join(state, "client.json")) as f:
        cfg = json.load(f)
    with open(cfg["private_key_file"]) as f:
        private_key = f.read()
    with open(cfg["wechatpay_public_key_file"]) as f:
        public_key = f.read()
    pay = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=cfg["mchid"],
        private_key=private_key,
        cert_serial_no=cfg["merchant_serial_no"],
        appid="wx0000000000000000",
        apiv3_key="0" * 32,  # only for certificate download and callbacks; unused here
        public_key=public_key,
        public_key_id=cfg["wechatpay_public_key_id"],
    )
    pay._core._gate_way = cfg["base_url"]

    def call():
        code, _ = pay._core.request(PATH, method=RequestType.POST)
        if code != 204:
            raise SystemExit(f"wechatpayv3: terminate answered {code}, expected 204")

    # It must verify: one response with a corrupted signature has to be refused.
    r = requests.post(cfg["base_url"] + "/__sim/faults", json={"fault": "bad_signature", "count": 1})
    r.raise_for_status()
    try:
        call()
        raise SystemExit("wechatpayv3: accepted a response with a bad signature")
    except Exception as e:  # the SDK raises a bare Exception
        if "verify" not in str(e):
            raise
    for _ in range(warmup):
        call()
    cpu0, t0 = cpu_us(), time.perf_counter()
    for _ in range(calls):
        call()
    wall, cpu = time.perf_counter() - t0, cpu_us() - cpu0
    print(f"RESULT wechatpayv3 {calls / wall:.1f} {cpu / calls:.1f}")


main()
