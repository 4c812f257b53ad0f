"""The Python side of the wrapper benchmark (bench/src/wrappers.rs): terminate calls through
the ``wxface`` package (ctypes over libwxface), compared with the same calls from C.

Usage: python terminate_loop.py CONFIG.json ORGANIZATION_ID USER_ID   (WXFACE_LIBRARY set)

Makes one client, prints ``ready <description>``, then for each line N read on stdin makes N
``Client.terminate_contract`` calls and prints the process CPU (user + system, getrusage) they
took, in µs. Interpreter start-up and client creation stay outside every figure.
"""

import platform
import resource
import sys

import wxface


def cpu_us() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1e6


def main() -> None:
    config, organization_id, user_id = sys.argv[1:4]
    with wxface.Client.from_file(config) as client:
        print(f"ready Python {platform.python_version()}, wxface via ctypes", flush=True)
        for line in sys.stdin:
            calls = int(line)
            before = cpu_us()
            for _ in range(calls):
                client.terminate_contract(organization_id, user_id)
            print(f"{cpu_us() - before:.0f}", flush=True)


main()
