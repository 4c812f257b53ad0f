"""A pupil leaves school: look the pupil up, print the repayment link if they still owe money,
terminate their face-pay contract, and print the Request-ID for the audit log.

    python pupil_leaves.py CONFIG.json ORGANIZATION_ID OUT_USER_ID

OUT_USER_ID is the school's own id for the pupil. Exit status: 0 done (or nothing to do),
1 failed (details on stderr), 2 usage error.
"""

import sys

import wxface


def pupil_leaves(client: wxface.Client, organization_id: str, out_user_id: str) -> None:
    # 1. The pupil as WeChat Pay knows them.
    user = client.query_user(organization_id, out_user_id)
    print(f"pupil {out_user_id} ({user['user_name']}): contract {user['contract_state']}")
    if user["contract_state"] != "CONTRACTED":
        print("nothing to terminate")
        return

    # 2. Money still owed: the parents get the link before the contract ends.
    try:
        repayment = client.get_repayment_url(organization_id, out_user_id)
        print(f"owes money: repayment link {repayment['repayment_url']} (valid until {repayment['expire_at']})")
    except wxface.ApiError as e:
        if e.http_status != 404:  # 404: no unpaid deduction
            raise
        print("owes nothing")

    # 3. Terminate, by the WeChat face user id the query gave; 4. keep the Request-ID.
    terminated = client.terminate_contract(organization_id, user["use_id"])
    print(f"terminated: request id {terminated.request_id}")


def main(argv: list) -> int:
    if len(argv) != 4:
        print(f"usage: {argv[0]} CONFIG.json ORGANIZATION_ID OUT_USER_ID", file=sys.stderr)
        return 2
    try:
        with wxface.Client.from_file(argv[1]) as client:
            pupil_leaves(client, argv[2], argv[3])
    except wxface.WxfaceError as e:
        print(f"failed: {e.message}", file=sys.stderr)
        if e.request_id:
            print(f"  http {e.http_status} {e.api_code}, request id {e.request_id}", file=sys.stderr)
        if e.request_sent:
            print("  the request reached WeChat Pay: query before repeating it", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
