"""A real Asterisk 22 and SIP user agents for ringmon's end-to-end test (and by hand).

- ``build_chroot()`` builds or reuses the Debian sid chroot (scripts/asterisk_chroot.sh);
  ``ChrootUnavailable`` when the package registry cannot provide the packages.
- ``Asterisk`` runs one private instance in it (contrib/asterisk configs, free loopback ports,
  its own astdb so that registrations and DND survive ``restart()``).
- ``Sipp`` drives sipp: ``device()`` is a registered phone (answers OPTIONS, rings, answers
  calls from chosen numbers after a delay), ``register()`` / ``unregister()`` a contact with
  a given User-Agent, ``call()`` places a call that is answered and hung up, or cancelled.
- ``Hub`` runs ``ringmon hub`` as a child process and reads its REST API; ``lab_both``
  runs a second one on the same Asterisk in AMI-only mode (``ari=off``).

By hand (as root), a PBX with two phones of Anna Nowak::

    .venv/bin/python tests/asterisk/asterisk_lab.py
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SCRIPT = REPO / "scripts" / "asterisk_chroot.sh"
SIPP_DIR = HERE / "sipp"
PYTHON = sys.executable

ARI_USER, ARI_PASSWORD = "ringmon", "ringmon-ari-test"
AMI_USER, AMI_SECRET = "ringmon", "ringmon-ami-test"
DRIVER_USER, DRIVER_SECRET = "ringmon-test", "ringmon-ami-driver"
SIP_PASSWORDS = {
    login: f"ringmon-test-{login}" for login in ("101", "102", "103", "104", "105", "200")
}

T = TypeVar("T")


class ChrootUnavailable(Exception):
    """The package registry cannot provide the sid packages; the message says why."""


def wait_for(check: Callable[[], T | None], timeout: float, what: str, every: float = 0.1) -> T:
    """Poll ``check`` until it returns something truthy; AssertionError naming ``what``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            value = check()
        except (httpx.HTTPError, OSError, ValueError, KeyError) as exc:
            last = exc
        else:
            if value:
                return value
            last = value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout:g} s waiting for {what} (last: {last!r})"
            )
        time.sleep(every)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_media_port() -> int:
    """A port for sipp's ``-mp``: sipp binds it for audio and the port two above for video,
    so all of p..p+3 must be free (a plain free port collided with another socket's p+2)."""
    for _ in range(100):
        port = free_port(socket.SOCK_DGRAM)
        if port + 3 > 65535:
            continue
        with contextlib.ExitStack() as stack:
            try:
                for p in range(port + 1, port + 4):
                    s = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
                    s.bind(("127.0.0.1", p))
            except OSError:
                continue
        return port
    raise RuntimeError("no four free UDP ports in a row on 127.0.0.1")


def build_chroot(timeout: float = 900) -> Path:
    """The chroot's path (built on first use, ~40 s); ChrootUnavailable or RuntimeError."""
    done = subprocess.run(
        ["bash", str(SCRIPT), "build"], capture_output=True, text=True, timeout=timeout
    )
    if done.returncode == 3:
        raise ChrootUnavailable(done.stderr.strip())
    if done.returncode != 0:
        raise RuntimeError(f"building the Asterisk chroot failed:\n{done.stderr.strip()}")
    return Path(done.stdout.strip().splitlines()[-1])


@dataclass
class Ports:
    http: int
    ami: int
    sip: int

    @classmethod
    def free(cls) -> Ports:
        return cls(free_port(), free_port(), free_port(socket.SOCK_DGRAM))


class Asterisk:
    """One Asterisk instance in the chroot, in the foreground of a child process."""

    def __init__(self, root: Path, workdir: Path, name: str | None = None) -> None:
        self.root = root
        self.name = name or f"e2e-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.ports = Ports.free()
        self.log_path = workdir / f"asterisk-{self.name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.instance = root / "srv" / "ringmon" / self.name

    @property
    def ari_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.http}"

    def start(self, timeout: float = 60) -> None:
        env = os.environ | {
            "RINGMON_AST_HTTP_PORT": str(self.ports.http),
            "RINGMON_AST_AMI_PORT": str(self.ports.ami),
            "RINGMON_AST_SIP_PORT": str(self.ports.sip),
        }
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            ["bash", str(SCRIPT), "run", self.name],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_for(self._booted, timeout, f"Asterisk to boot (log: {self.log_path})", every=0.05)

    def _booted(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"Asterisk exited at start; its log:\n{self.log_text()[-3000:]}")
        r = httpx.get(self.ari_url + "/ari/asterisk/info", auth=(ARI_USER, ARI_PASSWORD), timeout=2)
        return r.status_code == 200

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def _asterisk_pid(self) -> int | None:
        """The asterisk process: the child of unshare (which the script exec'd into)."""
        if self.proc is None:
            return None
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return None
        pids = [int(p) for p in children.split()]
        return pids[0] if pids else None

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to Asterisk (it ends cleanly); SIGKILL if it does not go in time."""
        if self.proc is None:
            return
        pid = self._asterisk_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def clean(self) -> None:
        subprocess.run(["bash", str(SCRIPT), "clean", self.name], check=False)

    def ami(self, *actions: dict[str, str], timeout: float = 5.0) -> list[dict[str, str]]:
        """Send actions as the test's AMI user; their responses (AssertionError on errors)."""
        with socket.create_connection(("127.0.0.1", self.ports.ami), timeout=timeout) as s:
            f = s.makefile("rwb")
            f.readline()  # banner
            replies = []
            for n, action in enumerate(
                [
                    {
                        "Action": "Login",
                        "Username": DRIVER_USER,
                        "Secret": DRIVER_SECRET,
                        "Events": "off",
                    },
                    *actions,
                ]
            ):
                lines = [f"{k}: {v}" for k, v in action.items()] + [f"ActionID: t{n}"]
                f.write(("\r\n".join(lines) + "\r\n\r\n").encode())
                f.flush()
                reply: dict[str, str] = {}
                while True:
                    line = f.readline().decode().rstrip("\r\n")
                    if not line:
                        if reply.get("ActionID") == f"t{n}":
                            break
                        reply = {}
                        continue
                    key, _, value = line.partition(": ")
                    reply[key] = value
                if reply.get("Response") != "Success":
                    raise AssertionError(f"AMI {action.get('Action')} failed: {reply}")
                replies.append(reply)
            return replies[1:]

    def setvar(self, variable: str, value: str) -> None:
        self.ami({"Action": "Setvar", "Variable": variable, "Value": value})

    def cli(self, command: str) -> str:
        done = subprocess.run(
            ["bash", str(SCRIPT), "rx", self.name, command],
            capture_output=True,
            text=True,
            timeout=20,
        )
        return done.stdout


class Sipp:
    """sipp processes against one Asterisk; scenario templates in tests/asterisk/sipp."""

    def __init__(self, workdir: Path, sip_port: int) -> None:
        self.workdir = workdir
        self.sip_port = sip_port
        self.devices: list[subprocess.Popen[bytes]] = []

    def _scenario(self, name: str, text: str, **subs: str) -> Path:
        for key, value in subs.items():
            text = text.replace(f"@{key}@", value)
        path = self.workdir / f"{name}-{uuid.uuid4().hex[:8]}.xml"
        path.write_text(text)
        return path

    def _run(self, scenario: Path, login: str, timeout: float) -> None:
        errors = scenario.with_suffix(".err")
        for attempt in range(3):
            cmd = [
                "sipp", f"127.0.0.1:{self.sip_port}", "-sf", str(scenario), "-m", "1",
                "-i", "127.0.0.1", "-p", str(free_port(socket.SOCK_DGRAM)),
                "-mi", "127.0.0.1", "-mp", str(free_media_port()),
                "-au", login, "-ap", SIP_PASSWORDS[login],
                "-nostdin", "-timeout", f"{int(timeout)}s", "-timeout_error",
                "-trace_err", "-error_file", str(errors),
            ]  # fmt: skip
            errors.unlink(missing_ok=True)
            done = subprocess.run(
                cmd, cwd=self.workdir, capture_output=True, timeout=timeout + 10, check=False
            )
            detail = errors.read_text(errors="replace")[-2000:] if errors.exists() else ""
            # Another process may take a port between free_port() and sipp's bind: sipp then
            # fails before it sends anything, so trying again with other ports is safe.
            if done.returncode == 0 or "Address already in use" not in detail or attempt == 2:
                break
        if done.returncode != 0:
            raise AssertionError(
                f"sipp {scenario.name} failed ({done.returncode}):\n{detail}\n"
                f"{done.stdout.decode(errors='replace')[-1500:]}"
            )

    def device(
        self, port: int, user_agent: str, answer_from: str = "NEVER", answer_ms: int = 2000
    ) -> None:
        """A phone listening on ``port``: answers calls whose From matches ``answer_from``
        (a regex) after ``answer_ms``, lets the others ring until cancelled."""
        scenario = self._scenario(
            "device",
            (SIPP_DIR / "device.xml").read_text(),
            UA=user_agent,
            ANSWER_FROM=answer_from,
            ANSWER_MS=str(answer_ms),
        )
        log = (self.workdir / f"device-{port}.log").open("ab")
        proc = subprocess.Popen(
            [
                "sipp",
                "-sf",
                str(scenario),
                "-i",
                "127.0.0.1",
                "-p",
                str(port),
                "-mi",
                "127.0.0.1",
                "-mp",
                str(free_media_port()),
                "-nostdin",
                "-trace_err",
                "-error_file",
                str(scenario.with_suffix(".err")),
            ],
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.devices.append(proc)

    def register(self, login: str, contact_port: int, user_agent: str, expires: int = 3600) -> None:
        scenario = self._scenario(
            "register",
            (SIPP_DIR / "register.xml").read_text(),
            USER=login,
            UA=user_agent,
            CONTACT_PORT=str(contact_port),
            EXPIRES=str(expires),
        )
        self._run(scenario, login, timeout=10)

    def unregister(self, login: str, contact_port: int, user_agent: str) -> None:
        self.register(login, contact_port, user_agent, expires=0)

    def call(self, caller: str, target: str, *, talk_ms: int = 0, ring_ms: int = 0) -> None:
        """``caller`` calls ``target``: with ``talk_ms`` the call must be answered and is hung
        up after that long; else it is cancelled ``ring_ms`` after it starts ringing."""
        part = "call_answered.part" if talk_ms else "call_cancelled.part"
        text = (
            (SIPP_DIR / "call.xml").read_text().replace("@BRANCH@", (SIPP_DIR / part).read_text())
        )
        scenario = self._scenario(
            "call",
            text,
            USER=caller,
            TARGET=target,
            TALK_MS=str(talk_ms),
            RING_MS=str(ring_ms),
            UA="sipp caller",
        )
        self._run(scenario, caller, timeout=(talk_ms + ring_ms) / 1000 + 20)

    def stop(self) -> None:
        for proc in self.devices:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.devices:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        self.devices.clear()


class Hub:
    """``ringmon hub`` in a child process, with an analyst token for its REST API."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.data = workdir / "hub-data"
        self.log_path = workdir / "hub.log"
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.token = ""
        self._http: httpx.Client | None = None

    def start(self, sources: list[str], directory: Path, env: dict[str, str]) -> None:
        cmd = [PYTHON, "-m", "ringmon", "hub", "--port", "0", "--data", str(self.data),
               "--tz", "UTC", "--directory", str(directory)]  # fmt: skip
        for spec in sources:
            cmd += ["--source", spec]
        log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env=os.environ | env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        log.close()
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            raise RuntimeError(f"the hub did not start: {line!r}\n{self.log_path.read_text()}")
        self.url = line.split()[-1]
        done = subprocess.run(
            [
                PYTHON,
                "-m",
                "ringmon",
                "token",
                "add",
                "e2e",
                "--role",
                "analyst",
                "--data",
                str(self.data),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        self.token = done.stdout.strip().splitlines()[0].strip()
        self._http = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=10
        )

    def get(self, path: str, **params: str) -> Any:
        assert self._http is not None
        r = self._http.get(path, params=params)
        r.raise_for_status()
        return r.json()

    def get_bytes(self, path: str) -> httpx.Response:
        assert self._http is not None
        return self._http.get(path)

    def health(self) -> dict[str, Any]:
        assert self._http is not None  # its details need a token
        return self._http.get("/v1/health", timeout=5).json()  # type: ignore[no-any-return]

    def source(self, prefix: str) -> dict[str, Any]:
        return next(s for s in self.health()["sources"] if s["name"].startswith(prefix))

    def export(self, what: str, employee: str, period: str) -> Any:
        done = subprocess.run(
            [
                PYTHON,
                "-m",
                "ringmon",
                "export",
                what,
                "--employee",
                employee,
                "--period",
                period,
                "--format",
                "json",
                "--url",
                self.url,
                "--tz",
                "UTC",
            ],
            capture_output=True,
            text=True,
            env=os.environ | {"RINGMON_TOKEN": self.token},
            timeout=60,
        )
        if done.returncode != 0:
            raise AssertionError(f"ringmon export {what} failed: {done.stderr}")
        return json.loads(done.stdout)

    def stop(self) -> None:
        if self._http is not None:
            self._http.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


DIRECTORY_TOML = """\
[[employee]]
id = "e1"
name = "Anna Nowak"
department = "Sales"
numbers = ["101", "102"]
accounts = [{ login = "101", number = "101" }, { login = "102", number = "102" }]

[[employee]]
id = "e2"
name = "Piotr Zielinski"
department = "Support"
numbers = ["103"]
accounts = [{ login = "103", number = "103" }]

[[employee]]
id = "e3"
name = "Ewa Kowalska"
department = "Queue"
numbers = ["104"]
accounts = [{ login = "104", number = "104" }]

[[employee]]
id = "e4"
name = "Jan Wisniewski"
department = "Queue"
numbers = ["105"]
accounts = [{ login = "105", number = "105" }]
"""


@contextlib.contextmanager
def lab(workdir: Path, *, tap: Path | None = None) -> Iterator[tuple[Asterisk, Sipp, Hub]]:
    """A booted Asterisk, a sipp driver and a hub reading the Asterisk; all stopped after."""
    with lab_both(workdir, tap=tap, ami_only=False) as (asterisk, sipp, hub, _):
        yield asterisk, sipp, hub


@contextlib.contextmanager
def lab_both(
    workdir: Path,
    *,
    tap: Path | None = None,
    ami_tap: Path | None = None,
    ami_only: bool = True,
) -> Iterator[tuple[Asterisk, Sipp, Hub, Hub | None]]:
    """``lab``, and a second hub (``ami_only``) reading the same Asterisk through AMI alone
    (``ari=off``), so that one scenario is seen in both modes at once."""
    root = build_chroot()
    asterisk = Asterisk(root, workdir)
    sipp = Sipp(workdir, asterisk.ports.sip)
    hub = Hub(workdir)
    ami_hub = Hub(workdir / "ami-only") if ami_only else None
    directory = workdir / "directory.toml"
    directory.write_text(DIRECTORY_TOML)
    ami = f"ami=127.0.0.1:{asterisk.ports.ami},recordings={root}"
    spec = f"asterisk:ari={asterisk.ari_url},{ami}"
    if tap is not None:
        spec += f",tap={tap}"
    ami_spec = f"asterisk:ari=off,{ami}"
    if ami_tap is not None:
        ami_spec += f",tap={ami_tap}"
    env = {"RINGMON_ARI_PASSWORD": ARI_PASSWORD, "RINGMON_AMI_SECRET": AMI_SECRET}
    try:
        asterisk.start()
        hub.start([spec], directory, env)
        if ami_hub is not None:
            ami_hub.workdir.mkdir(exist_ok=True)
            ami_hub.start([ami_spec], directory, env)
        yield asterisk, sipp, hub, ami_hub
    finally:
        hub.stop()
        if ami_hub is not None:
            ami_hub.stop()
        sipp.stop()
        asterisk.stop()
        asterisk.clean()


def _interrupt(signum: int, frame: object) -> None:  # pragma: no cover
    raise KeyboardInterrupt


def main() -> None:  # pragma: no cover - a manual try
    """A PBX with Anna's two phones registered and a hub on it, until Ctrl-C (or SIGTERM)."""
    signal.signal(signal.SIGTERM, _interrupt)
    workdir = Path(os.environ.get("RINGMON_LAB_DIR", "/tmp/ringmon-asterisk-lab"))
    workdir.mkdir(parents=True, exist_ok=True)
    with lab(workdir) as (asterisk, sipp, hub):
        a, c = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
        sipp.device(a, "MicroSIP/3.21.3", answer_from="sip:200@")
        sipp.device(c, "Vendor Desktop 3.1")
        sipp.register("101", a, "MicroSIP/3.21.3")
        sipp.register("102", c, "Vendor Desktop 3.1")
        print(f"hub: {hub.url}\ntoken: {hub.token}\nasterisk: {asterisk.name} "
              f"(sip 127.0.0.1:{asterisk.ports.sip}); Ctrl-C stops", flush=True)  # fmt: skip
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
        print("stopping", flush=True)


if __name__ == "__main__":  # pragma: no cover
    main()
