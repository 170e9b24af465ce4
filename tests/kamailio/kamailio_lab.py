"""A SIP lab on loopback for the Kamailio tests: Kamailio with the project's configuration,
sipp as a phone (and as callers), baresip as a second phone.

Every port is a free one picked at start, every file lives in a temporary folder, and every
process started here is stopped here (by its own pid).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "contrib" / "kamailio" / "kamailio.cfg"
SIPP_DIR = Path(__file__).resolve().parent / "sipp"
TOOLS = ("kamailio", "sipp", "baresip")


def require_tools() -> None:
    """Skip when the SIP tools are missing, except in CI (or RINGMON_REQUIRE_E2E=1), where
    a missing tool is a failure: .ci/run installs them."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if not missing:
        return
    message = f"not installed: {', '.join(missing)} (apt-get install kamailio "
    message += "kamailio-extra-modules kamailio-json-modules sip-tester baresip-core)"
    if os.environ.get("CI") == "true" or os.environ.get("RINGMON_REQUIRE_E2E") == "1":
        pytest.fail(message)
    pytest.skip(message)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        other = socket.SOCK_DGRAM if kind == socket.SOCK_STREAM else socket.SOCK_STREAM
        with socket.socket(socket.AF_INET, other) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port")


def wait_for(predicate: object, timeout: float, what: str, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(step)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def stop_process(proc: subprocess.Popen[bytes], grace: float = 3.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(grace)


@dataclass
class Kamailio:
    folder: Path
    sip_port: int = field(default_factory=lambda: free_port(socket.SOCK_DGRAM))
    http_port: int = field(default_factory=free_port)
    evapi_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def sip(self) -> str:
        return f"127.0.0.1:{self.sip_port}"

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/RPC"

    @property
    def spec(self) -> str:
        return f"kamailio:127.0.0.1:{self.evapi_port},rpc={self.rpc_url}"

    def start(self) -> Kamailio:
        run_dir = self.folder / "kamailio-run"
        run_dir.mkdir(parents=True, exist_ok=True)
        self.log = self.folder / "kamailio.log"
        cmd = [
            "kamailio",
            "-DD",
            "-E",
            "-f",
            str(CONFIG),
            "-Y",
            str(run_dir),
            "-A",
            f"RINGMON_SIP_PORT={self.sip_port}",
            "-A",
            f"RINGMON_HTTP_PORT={self.http_port}",
            "-A",
            f'RINGMON_EVAPI_BIND="127.0.0.1:{self.evapi_port}"',
            "-A",
            "RINGMON_MIN_EXPIRES=1",
        ]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        wait_for(
            lambda: _listening(self.evapi_port) and _listening(self.http_port),
            15,
            f"Kamailio to listen (log: {self.log})",
        )
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None

    def rpc(self, method: str) -> object:
        body = json.dumps({"jsonrpc": "2.0", "method": method, "id": 1}).encode()
        request = urllib.request.Request(self.rpc_url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.loads(answer.read()).get("result")

    def user_agents(self, aor: str) -> list[str]:
        """The User-Agent of every contact registered for ``aor`` (from ul.dump)."""
        result = self.rpc("ul.dump")
        agents: list[str] = []
        assert isinstance(result, dict)
        for domain in result.get("Domains", []):
            for item in domain["Domain"].get("AoRs", []):
                if item["Info"]["AoR"] == aor:
                    agents += [c["Contact"]["User-Agent"] for c in item["Info"]["Contacts"]]
        return agents


def _sipp(
    lab: Kamailio, scenario: str, *args: str, log: Path, background: bool = False
) -> subprocess.Popen[bytes]:
    cmd = ["sipp", lab.sip, "-sf", str(SIPP_DIR / scenario), "-i", "127.0.0.1", "-nostdin"]
    cmd += ["-trace_err", "-error_file", str(log.with_suffix(".err")), *args]
    with log.open("ab") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)


@dataclass
class SippPhone:
    """A phone made of sipp: answers INVITEs marked 'answer', rings on the others."""

    lab: Kamailio
    user_agent: str
    port: int = field(default_factory=lambda: free_port(socket.SOCK_DGRAM))
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> SippPhone:
        log = self.lab.folder / "sipp-phone.log"
        self.proc = _sipp(
            self.lab, "phone.xml", "-p", str(self.port), "-key", "ua", self.user_agent, log=log
        )
        time.sleep(0.3)
        assert self.proc.poll() is None, f"the sipp phone did not start: {log.read_text()}"
        return self

    def register(self, account: str, expires: int) -> tuple[float, float]:
        """REGISTER ``account`` at this phone's address (no refresh); the times before sipp
        started and after it got the 200 OK."""
        log = self.lab.folder / "sipp-register.log"
        sent = time.time()
        proc = _sipp(
            self.lab,
            "register.xml",
            "-s",
            account,
            "-p",
            str(free_port(socket.SOCK_DGRAM)),
            "-key",
            "contact_host",
            "127.0.0.1",
            "-key",
            "contact_port",
            str(self.port),
            "-key",
            "expires",
            str(expires),
            "-key",
            "ua",
            self.user_agent,
            "-m",
            "1",
            "-timeout",
            "10",
            "-timeout_error",
            log=log,
        )
        assert proc.wait(15) == 0, f"sipp REGISTER failed: {log.read_text()}"
        return sent, time.time()

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None


def start_call(
    lab: Kamailio, account: str, caller: str, *, answer: bool, ms: int
) -> subprocess.Popen[bytes]:
    """A call from outside to ``account`` (sipp as the caller): answered and talked ``ms``,
    or rung ``ms`` then cancelled. Returns the running sipp."""
    log = lab.folder / "sipp-calls.log"
    scenario = "call-answer.xml"
    if not answer:
        # sipp cannot pause while replies arrive: the caller waits for a 200 that never
        # comes, with a timeout of ``ms``, then cancels.
        text = (SIPP_DIR / "call-cancel.xml").read_text()
        scenario_path = lab.folder / f"call-cancel-{ms}.xml"
        scenario_path.write_text(text.replace('timeout="6000"', f'timeout="{ms}"'))
        scenario = str(scenario_path)
    return _sipp(
        lab,
        scenario,
        "-s",
        account,
        "-p",
        str(free_port(socket.SOCK_DGRAM)),
        "-key",
        "caller",
        caller,
        "-d",
        str(ms),
        "-m",
        "1",
        "-timeout",
        "30",
        "-timeout_error",
        log=log,
    )


def call(lab: Kamailio, account: str, caller: str, *, answer: bool, ms: int) -> tuple[float, float]:
    """``start_call`` and wait for it. Returns (the time before sipp started, the time after
    it finished)."""
    started = time.time()
    proc = start_call(lab, account, caller, answer=answer, ms=ms)
    log = lab.folder / "sipp-calls.log"
    assert proc.wait(40) == 0, f"sipp call failed: {log.read_text()[-3000:]}"
    return started, time.time()


@dataclass
class Baresip:
    """baresip registered as ``account`` (never answers: it rings until cancelled)."""

    lab: Kamailio
    account: str
    port: int = field(default_factory=lambda: free_port(socket.SOCK_DGRAM))
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> tuple[float, float]:
        """Start it; the times before it started and once Kamailio shows it registered."""
        folder = self.lab.folder / "baresip"
        folder.mkdir(exist_ok=True)
        (folder / "config").write_text(
            "poll_method epoll\n"
            f"sip_listen 127.0.0.1:{self.port}\n"
            "audio_player aufile,/dev/null\n"
            "audio_source ausine,440\n"
            "audio_alert aufile,/dev/null\n"
            "module_path /usr/lib/baresip/modules\n"
            "module g711.so\nmodule ausine.so\nmodule aufile.so\n"
            "module_tmp uuid.so\nmodule_tmp account.so\n"
        )
        (folder / "accounts").write_text(
            f"<sip:{self.account}@{self.lab.sip}>;regint=600;answermode=manual\n"
        )
        (folder / "contacts").write_text("")
        log = self.lab.folder / "baresip.log"
        started = time.time()
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                ["baresip", "-f", str(folder)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for(
            lambda: any("baresip" in ua for ua in self.lab.user_agents(self.account)),
            15,
            f"baresip to register (log: {log})",
        )
        return started, time.time()

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, grace=5.0)
            self.proc = None


@contextlib.contextmanager
def lab(folder: Path) -> Iterator[Kamailio]:
    """Kamailio running for the block; stopped after it, whatever happens."""
    require_tools()
    kamailio = Kamailio(folder)
    try:
        yield kamailio.start()
    finally:
        kamailio.stop()
