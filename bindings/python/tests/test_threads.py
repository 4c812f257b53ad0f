"""One client shared by 8 threads, 50 calls each."""

from __future__ import annotations

import threading
from typing import List

import wxface

from conftest import ORG, Sim, user_id

THREADS = 8
CALLS = 50


def test_eight_threads_share_one_client(sim: Sim) -> None:
    users = [user_id(10001 + i) for i in range(THREADS * CALLS)]
    before = sim.stats()["requests_total"]
    failures: List[BaseException] = []
    done: List[int] = []
    start = threading.Barrier(THREADS)

    def work(index: int) -> None:
        start.wait()
        for user in users[index * CALLS:(index + 1) * CALLS]:
            try:
                client.terminate_contract(ORG, user)
                done.append(1)
            except BaseException as exc:  # noqa: BLE001 - reported below
                failures.append(exc)

    with wxface.Client(sim.config()) as client:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert failures == []
    assert len(done) == THREADS * CALLS
    assert sim.stats()["requests_total"] - before == THREADS * CALLS
