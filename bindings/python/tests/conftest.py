"""Fixtures: one wxface-sim process per test session (own state dir), its control endpoints,
and fresh user ids (the simulator's state lives as long as its process)."""

from __future__ import annotations

import itertools
import json
import os
import re
import ssl
import subprocess
import threading
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

import wxface
from wxface import _native

REPO = Path(__file__).resolve().parents[3]
SIM_BINARY = Path(os.environ.get("WXFACE_SIM", REPO / "target" / "release" / "wxface-sim"))
HEADER = Path(os.environ.get("WXFACE_HEADER", REPO / "include" / "wxface.h"))

def _test_ids() -> Dict[str, Any]:
    """The built-in fixture's named ids, as the simulator names them (``wxface-sim --test-ids``)."""
    if not SIM_BINARY.exists():
        raise RuntimeError(f"{SIM_BINARY} is missing: run `cargo build --release --workspace` first")
    found = subprocess.run([str(SIM_BINARY), "--test-ids"], capture_output=True, check=True, timeout=60)
    ids: Dict[str, Any] = json.loads(found.stdout)
    return ids


#: The built-in fixture's ids (organization, users with known states).
IDS = _test_ids()
#: The built-in fixture's organization.
ORG: str = IDS["organization_id"]
#: Already terminated in the built-in fixture.
TERMINATED_USER: str = IDS["terminated_user_id"]
#: No organization has this user.
UNKNOWN_USER: str = IDS["unknown_user_id"]


def _numbered(range_name: str, n: int) -> str:
    ids = IDS[range_name]
    return f"{ids['prefix']}{n:0{ids['digits']}d}"


def user_id(n: int) -> str:
    """The n-th contracted user of ``ORG`` (the WeChat face user id, ``use_id``)."""
    return _numbered("contracted_users", n)


def out_user_id(n: int) -> str:
    """The school's own id (``out_user_id``) of the n-th contracted user."""
    return _numbered("contracted_out_users", n)


def contract_id(n: int) -> str:
    """The contract of the n-th contracted user."""
    return _numbered("contracted_contract_ids", n)

_READY = re.compile(r"^wxface-sim listening on (https://127\.0\.0\.1:(\d+)) config=(.+)$")


class Sim:
    """A running wxface-sim process and its unsigned control endpoints."""

    def __init__(self, state_dir: Path, proc: "subprocess.Popen[str]", base_url: str, config_path: Path) -> None:
        self.state_dir = state_dir
        self.proc = proc
        self.base_url = base_url
        self.config_path = config_path
        self._tls = ssl.create_default_context(cafile=str(state_dir / "ca.pem"))

    def config(self, **overrides: Any) -> Dict[str, Any]:
        """The sim's ready client config (client.json) as a dict, with ``overrides`` applied."""
        config = json.loads(self.config_path.read_text())
        config.update(overrides)
        return config

    def _control(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, context=self._tls, timeout=10) as response:
            text = response.read()
        return json.loads(text) if text.strip() else None

    def set_fault(self, spec: str, count: Optional[int] = None) -> None:
        body: Dict[str, Any] = {"fault": spec}
        if count is not None:
            body["count"] = count
        self._control("POST", "/__sim/faults", body)

    def clear_faults(self) -> None:
        self._control("DELETE", "/__sim/faults")

    def stats(self) -> Dict[str, Any]:
        return self._control("GET", "/__sim/stats")

    def requests(self) -> List[Dict[str, Any]]:
        """The last API requests received, oldest first: ``{"method", "target",
        "wechatpay_serial", "body"}`` with every encrypted field of the body opened by the sim."""
        arrivals: List[Dict[str, Any]] = self._control("GET", "/__sim/requests")
        return arrivals

    def last_request(self) -> Dict[str, Any]:
        """The last API request the sim received."""
        return self.requests()[-1]

    def build_notification(self, **options: Any) -> Dict[str, Any]:
        """A signed, encrypted notification made by the sim but not sent: ``{"id",
        "event_type", "headers", "body", "plaintext"}``. Options: ``event_type``, ``user_id``,
        ``tamper``, ``apiv3_key``, ``serial``, ``timestamp_offset_s``, ``algorithm``, ..."""
        built: Dict[str, Any] = self._control("POST", "/__sim/notifications/build", options)
        return built

    def set_notify_url(self, url: Optional[str]) -> None:
        self._control("POST", "/__sim/notifications/config", {"url": url})

    def wait_for_notifications(self, n: int, timeout_ms: int = 30000) -> List[Dict[str, Any]]:
        """Blocks until ``n`` deliveries have finished (or the timeout passed); their log."""
        log: Dict[str, Any] = self._control("GET", f"/__sim/notifications?wait={n}&timeout_ms={timeout_ms}")
        assert not log["timed_out"], f"waited for {n} deliveries: {log}"
        deliveries: List[Dict[str, Any]] = log["deliveries"]
        return deliveries

    def clear_notifications(self) -> None:
        self._control("DELETE", "/__sim/notifications")

    def rotate_platform_certificate(self) -> Dict[str, Any]:
        certificate: Dict[str, Any] = self._control("POST", "/__sim/rotate-platform-certificate")
        return certificate

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _require_sim_binary() -> None:
    if not SIM_BINARY.exists():
        pytest.fail(f"{SIM_BINARY} is missing: run `cargo build --release --workspace` first", pytrace=False)


def start_sim(state_dir: Path, *extra: str) -> Sim:
    """Starts ``wxface-sim --state-dir DIR --port 0 [EXTRA...]`` and returns once it printed
    its ready line."""
    _require_sim_binary()
    stderr = open(state_dir.parent / (state_dir.name + ".stderr.log"), "w")
    proc = subprocess.Popen(
        [str(SIM_BINARY), "--state-dir", str(state_dir), "--port", "0", *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    stderr.close()
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    match = _READY.match(line)
    if not match:
        proc.kill()
        proc.wait()
        log = (state_dir.parent / (state_dir.name + ".stderr.log")).read_text()
        pytest.fail(f"wxface-sim did not start: first line {line!r}; stderr:\n{log}", pytrace=False)
    # Keep draining stdout so the sim never blocks on a full pipe.
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    return Sim(state_dir, proc, match.group(1), Path(match.group(3)))


@pytest.fixture(scope="session")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    """The session's simulator (built-in fixture, public-key mode)."""
    running = start_sim(tmp_path_factory.mktemp("sim") / "state")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def certificate_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    """A simulator in platform-certificate mode (for certificate downloads and rotation)."""
    running = start_sim(tmp_path_factory.mktemp("certsim") / "state", "--key-mode", "certificate")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def foreign_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The state dir of a second simulator: keys that the session's sim does not know.

    Made by running ``wxface-sim --state-dir DIR -- true`` (it creates the keys, runs `true`,
    and exits)."""
    _require_sim_binary()
    state_dir = tmp_path_factory.mktemp("foreign") / "state"
    subprocess.run(
        [str(SIM_BINARY), "--state-dir", str(state_dir), "--port", "0", "--", "true"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        check=True,
        timeout=60,
    )
    return state_dir


@pytest.fixture(autouse=True)
def _no_leftover_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    """Clears faults after each test that used the sim, so one test's fault never leaks."""
    yield
    if "sim" in request.fixturenames:
        request.getfixturevalue("sim").clear_faults()


_user_numbers = itertools.count(20001)
_user_lock = threading.Lock()


def fresh_numbers(n: int) -> List[int]:
    """``n`` numbers of contracted users never used before in this session (from 20001 on)."""
    with _user_lock:
        return [next(_user_numbers) for _ in range(n)]


def fresh_users(n: int) -> List[str]:
    """``n`` contracted user ids never used before in this session."""
    return [user_id(number) for number in fresh_numbers(n)]


@pytest.fixture
def user() -> str:
    """One contracted user id of the built-in fixture that no other test uses."""
    return fresh_users(1)[0]


@pytest.fixture
def client(sim: Sim) -> Iterator[wxface.Client]:
    """A client configured from the sim's client.json, closed after the test."""
    with wxface.Client(sim.config()) as c:
        yield c


@pytest.fixture
def native() -> _native.NativeLibrary:
    """The loaded native library (tests wrap its functions to observe calls)."""
    return _native.lib()
