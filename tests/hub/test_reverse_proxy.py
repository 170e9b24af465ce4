"""contrib/nginx/ringmon.conf works: a real nginx, configured by that file (its ports, upstream
and certificate swapped for the test's), serves a real hub over https and wss: a snapshot, the
push API, and the WebSocket feed with its heartbeats and events."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hub_helpers import auth, employee
from hub_served import Served
from websockets.asyncio.client import connect

from ringmon.model.schema import dump_event

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed"),
]

SAMPLE = Path(__file__).resolve().parents[2] / "contrib" / "nginx" / "ringmon.conf"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=ringmon.example.com"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def render(sample: str, hub_port: int, https: int, http: int, cert: Path, key: Path) -> str:
    swaps = {
        "server 127.0.0.1:8765;": f"server 127.0.0.1:{hub_port};",
        "listen 443 ssl;": f"listen 127.0.0.1:{https} ssl;",
        "listen [::]:443 ssl;": "",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen [::]:80;": "",
        "/etc/ssl/ringmon/fullchain.pem": str(cert),
        "/etc/ssl/ringmon/privkey.pem": str(key),
    }
    for old, new in swaps.items():
        assert old in sample, old
        sample = sample.replace(old, new)
    return sample


@pytest.fixture
def nginx(served: Served, tmp_path: Path) -> Iterator[tuple[str, str, ssl.SSLContext]]:
    root = tmp_path / "nginx"
    root.mkdir()
    cert, key = certificate(root)
    https, http = free_port(), free_port()
    hub_port = int(served.url.rsplit(":", 1)[1])
    site = root / "ringmon.conf"
    site.write_text(render(SAMPLE.read_text(), hub_port, https, http, cert, key))
    temp = "".join(
        f"{kind}_temp_path {root / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = root / "nginx.conf"
    main.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\npid {root / 'nginx.pid'};\nerror_log {root / 'error.log'} info;\n"
        + "worker_processes 1;\nevents { worker_connections 64; }\n"
        + f"http {{\naccess_log off;\n{temp}include {site};\n}}\n"
    )
    process = subprocess.Popen(
        ["nginx", "-e", str(root / "error.log"), "-p", str(root), "-c", str(main)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(500):
            if process.poll() is not None:
                log = (root / "error.log").read_text(errors="replace")
                raise AssertionError(f"nginx stopped: {log[-2000:]}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", https)) == 0:
                    break
            time.sleep(0.02)
        context = ssl.create_default_context(cafile=str(cert))
        yield f"https://127.0.0.1:{https}", f"http://127.0.0.1:{http}", context
    finally:
        process.terminate()
        process.wait(30)


async def test_rest_push_and_feed_through_nginx(
    served: Served, nginx: tuple[str, str, ssl.SSLContext]
) -> None:
    url, plain, context = nginx
    assert served.hub.tokens is not None
    pusher = served.hub.tokens.add("crm", "source")
    served.hub.heartbeat = 0.05
    async with httpx.AsyncClient(base_url=url, verify=context, timeout=10) as client:
        moved = await client.get(f"{plain}/v1/health")
        assert moved.status_code == 301
        assert moved.headers["location"].startswith("https://")
        snap = await client.get("/v1/snapshot", headers=auth(served.token))
        assert snap.status_code == 200 and snap.json()["seq"] == 0
        feed_url = url.replace("https://", "wss://") + "/v1/feed?since=0"
        async with connect(feed_url, ssl=context, additional_headers=auth(served.token)) as ws:
            first = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert first["type"] == "heartbeat" and first["status"] == "ok"
            pushed = await client.post(
                "/v1/ingest",
                headers=auth(pusher),
                content=dump_event(employee(0, "e1", "Anna Nowak", "Sales")),
            )
            assert pushed.status_code == 200, pushed.text
            for _ in range(200):
                data = json.loads(await asyncio.wait_for(ws.recv(), 10))
                items = data if isinstance(data, list) else [data]
                events = [i for i in items if i["type"] == "employee.upsert"]
                if events:
                    assert events[0]["id"] == "e1" and events[0]["seq"] == 1
                    break
            else:
                raise AssertionError("the pushed event never came through the feed")
