"""Issue 9 item 13: ``ringmon hub --tls-cert --tls-key`` serves https and wss, and the clients
(feed, REST, ``ringmon export``) trust a private CA given with ``--ca`` / ``RINGMON_CA``.
The certificates are made in the test (trustme); everything runs against a real hub."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import trustme
from hub_helpers import auth, next_of_type, team
from websockets.asyncio.client import connect

from ringmon.feed import tls
from ringmon.hub.clock import ManualClock
from ringmon.hub.server import ConfigError, HubConfig, HubServer, build_hub, running_hub
from ringmon.hub_client import hub_error


@dataclasses.dataclass
class Pki:
    ca: Path
    cert: Path
    key: Path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    pki = Pki(folder / "ca.pem", folder / "hub.pem", folder / "hub.key")
    ca.cert_pem.write_to_path(str(pki.ca))
    server.private_key_pem.write_to_path(str(pki.key))
    with pki.cert.open("wb") as out:
        for blob in server.cert_chain_pems:
            out.write(blob.bytes())
    return pki


@pytest.fixture(autouse=True)
def no_ca_from_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(tls.ENV, raising=False)
    tls.configure(None)
    yield
    tls.configure(None)


@pytest.fixture
async def https_hub(config: HubConfig, clock: ManualClock, pki: Pki) -> AsyncIterator[HubServer]:
    config = dataclasses.replace(config, tls_cert=pki.cert, tls_key=pki.key)
    async with running_hub(config, clock=clock, sources=[]) as server:
        for event in team():
            assert await server.hub.emit(event, source="t")
        yield server


async def test_rest_and_feed_over_tls_with_a_private_ca(https_hub: HubServer, pki: Pki) -> None:
    assert https_hub.url.startswith("https://127.0.0.1:")
    assert https_hub.hub.tokens is not None
    token = https_hub.hub.tokens.add("alice", "analyst")
    tls.configure(pki.ca)
    verify = tls.client_tls(https_hub.url)
    async with httpx.AsyncClient(base_url=https_hub.url, verify=verify) as client:
        snapshot = await client.get("/v1/snapshot", headers=auth(token))
        assert snapshot.status_code == 200 and snapshot.json()["seq"] == 8
    wss = https_hub.url.replace("https://", "wss://") + "/v1/feed?since=0"
    async with connect(wss, additional_headers=auth(token), **tls.websocket_tls(wss)) as ws:
        first = json.loads(await ws.recv())
        assert [e["seq"] for e in first] == list(range(1, 9))
        await next_of_type(ws, "heartbeat")


async def test_a_client_without_the_ca_is_refused_with_a_sentence(
    https_hub: HubServer, pki: Pki
) -> None:
    async with httpx.AsyncClient(verify=tls.client_tls(https_hub.url)) as client:
        with pytest.raises(httpx.ConnectError) as failure:
            await client.get(https_hub.url + "/v1/health")
    sentence = str(hub_error(failure.value, https_hub.url))
    assert sentence.startswith("the hub's TLS certificate is not trusted")
    assert "--ca FILE" in sentence and "RINGMON_CA" in sentence


async def test_export_over_https(https_hub: HubServer, pki: Pki) -> None:
    assert https_hub.hub.tokens is not None
    token = https_hub.hub.tokens.add("alice", "analyst")
    env = {**os.environ, "RINGMON_TOKEN": token}
    command = [sys.executable, "-m", "ringmon", "export", "timeline", "--employee", "e1"]
    command += ["--url", https_hub.url, "--tz", "Europe/Warsaw"]

    def run(*extra: str, **more_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *extra], env={**env, **more_env}, capture_output=True, text=True, timeout=60
        )

    done = await asyncio.to_thread(run, "--ca", str(pki.ca))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "day,start,end,status,seconds,reason"
    by_env = await asyncio.to_thread(run, RINGMON_CA=str(pki.ca))
    assert by_env.returncode == 0 and by_env.stdout == done.stdout
    refused = await asyncio.to_thread(run)
    assert refused.returncode != 0
    assert "TLS certificate is not trusted" in refused.stderr and "--ca" in refused.stderr


def test_a_bad_ca_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(tls.TlsError, match="does not exist"):
        tls.configure(tmp_path / "nope.pem")
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(tls.TlsError, match="PEM certificate"):
        tls.configure(junk)


def test_hub_tls_settings_are_checked(config: HubConfig, pki: Pki, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="both --tls-cert"):
        build_hub(dataclasses.replace(config, tls_cert=pki.cert))
    with pytest.raises(ConfigError, match="no such file"):
        build_hub(dataclasses.replace(config, tls_cert=tmp_path / "x.pem", tls_key=pki.key))
    with pytest.raises(ConfigError, match="key must match"):
        build_hub(dataclasses.replace(config, tls_cert=pki.ca, tls_key=pki.key))
