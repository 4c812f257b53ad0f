"""A client used after fork(): the parent and 4 children call at the same moment, 10 rounds of
20 calls each (what gunicorn --preload and multiprocessing do). No process writes on a
connection another one opened, so every call succeeds and reaches the simulator once."""

from __future__ import annotations

import multiprocessing
import os
import sys
from typing import List, Optional

import wxface

from conftest import ORG, Sim, fresh_users

CHILDREN = 4
ROUNDS = 10
CALLS = 20


def _terminate_all(client: wxface.Client, users: List[str]) -> int:
    """Terminates each user; returns the number of failed calls (reported on stderr)."""
    failures = 0
    for user in users:
        try:
            client.terminate_contract(ORG, user)
        except wxface.WxfaceError as exc:
            print(f"pid {os.getpid()}, {user}: {exc!r}", file=sys.stderr)
            failures += 1
    return failures


def test_parent_and_children_call_at_once_after_fork(sim: Sim) -> None:
    with wxface.Client(sim.config()) as client:
        client.terminate_contract(ORG, fresh_users(1)[0])  # the parent now pools a connection
        before = sim.stats()["requests_total"]
        failures = 0
        for _ in range(ROUNDS):
            users = fresh_users((CHILDREN + 1) * CALLS)
            gate_read, gate_write = os.pipe()
            children = []
            for c in range(CHILDREN):
                pid = os.fork()
                if pid == 0:  # pragma: no cover - the child reports through its exit status
                    code = 100
                    try:
                        os.close(gate_write)
                        os.read(gate_read, 1)  # EOF once every process closed the gate
                        code = min(_terminate_all(client, users[(c + 1) * CALLS:(c + 2) * CALLS]), 100)
                    finally:
                        os._exit(code)
                children.append(pid)
            os.close(gate_read)
            os.close(gate_write)  # opens the gate: all five processes call at once
            failures += _terminate_all(client, users[:CALLS])
            for pid in children:
                _, status = os.waitpid(pid, 0)
                failures += os.waitstatus_to_exitcode(status)
        assert failures == 0
        assert sim.stats()["requests_total"] - before == ROUNDS * (CHILDREN + 1) * CALLS


_pool_client: Optional[wxface.Client] = None


def _pool_call(user: str) -> Optional[str]:
    assert _pool_client is not None
    try:
        _pool_client.terminate_contract(ORG, user)
        return None
    except wxface.WxfaceError as exc:
        return f"{user}: {exc!r}"


def test_multiprocessing_fork_workers_share_the_parents_client(sim: Sim) -> None:
    global _pool_client
    with wxface.Client(sim.config()) as client:
        _pool_client = client
        try:
            client.terminate_contract(ORG, fresh_users(1)[0])
            users = fresh_users(4 * CALLS)
            before = sim.stats()["requests_total"]
            with multiprocessing.get_context("fork").Pool(4) as pool:
                outcomes = pool.map(_pool_call, users, chunksize=5)
            assert [o for o in outcomes if o is not None] == []
            assert sim.stats()["requests_total"] - before == len(users)
        finally:
            _pool_client = None
