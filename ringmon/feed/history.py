"""REST calls of the profile and the call log: history, the call log, recordings (httpx).

Every failure becomes a :class:`HubError` carrying a sentence a person understands (the hub's
own ``{"error": ...}`` text when it sent one), so that a screen can show it in place instead
of crashing.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
from pydantic import ValidationError

from ringmon.feed.tls import client_tls
from ringmon.model.history_docs import HistoryDoc
from ringmon.model.wire import LegDoc, to_dt

CHUNK = 64 * 1024
MAX_CALLS = 5000
"""The call log stops paging after this many legs (one employee, at most 7 days)."""

Progress = Callable[[int, int | None], None]
"""Called as bytes arrive: (received so far, total if the hub said it)."""


class HubError(Exception):
    """A REST call failed; ``str()`` is the sentence to show."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class Download:
    path: Path
    size: int


class HubClient:
    """The hub's REST side as the profile needs it. Use as an async context or ``aclose()``."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 15.0,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers=headers,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            verify=client_tls(base_url),
        )

    async def __aenter__(self) -> HubClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def history(
        self, employee_id: str, period: str = "7d", at: float | None = None
    ) -> HistoryDoc:
        """``GET /v1/employees/{id}/history?period=...`` (``&at=``: as it was then, a replay)."""
        params: dict[str, str | int] = {"period": period}
        if at is not None:
            params["at"] = to_dt(at).isoformat()
        response = await self._get(f"/v1/employees/{employee_id}/history", params)
        try:
            return HistoryDoc.model_validate_json(response.content)
        except ValidationError as exc:
            raise HubError(f"the hub sent a history this version cannot read: {exc}") from None

    async def calls(
        self, employee_id: str, first: date, last: date, *, limit: int = 200
    ) -> list[LegDoc]:
        """Every leg of the employee from ``first`` to ``last`` (local days), newest first."""
        params: dict[str, str | int] = {
            "employee": employee_id,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "limit": limit,
        }
        out: list[LegDoc] = []
        while True:
            response = await self._get("/v1/calls", params)
            try:
                body = response.json()
                out.extend(LegDoc.model_validate(leg) for leg in body["calls"])
                cursor = body.get("next")
            except (ValueError, KeyError, TypeError, ValidationError) as exc:
                raise HubError(f"the hub sent a call log this version cannot read: {exc}") from None
            if not cursor or len(out) >= MAX_CALLS:
                return out
            params["cursor"] = cursor

    async def download_recording(
        self, leg: str, folder: Path, progress: Progress | None = None
    ) -> Download:
        """Stream ``GET /v1/calls/{leg}/recording`` into a new file under ``folder``.

        The file is written as ``*.part`` and renamed when complete, so a broken download
        never leaves a file that looks whole.
        """
        target = unique_path(folder, recording_filename(leg))
        partial = target.with_name(target.name + ".part")
        try:
            async with self._client.stream("GET", f"/v1/calls/{_quote(leg)}/recording") as resp:
                if resp.status_code != 200:
                    await resp.aread()
                    raise HubError(_error_text(resp), resp.status_code)
                length = resp.headers.get("content-length")
                total = int(length) if length and length.isdigit() else None
                received = 0
                if progress is not None:
                    progress(0, total)
                with partial.open("wb") as out:
                    async for chunk in resp.aiter_bytes(CHUNK):
                        out.write(chunk)
                        received += len(chunk)
                        if progress is not None:
                            progress(received, total)
            partial.replace(target)
        except httpx.HTTPError as exc:
            partial.unlink(missing_ok=True)
            raise HubError(f"the recording could not be downloaded: {_describe(exc)}") from None
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise HubError(f"the recording could not be saved in {folder}: {exc}") from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return Download(target, received)

    async def _get(self, path: str, params: dict[str, str | int]) -> httpx.Response:
        try:
            response = await self._client.get(path, params=params)
        except httpx.HTTPError as exc:
            raise HubError(f"the hub did not answer: {_describe(exc)}") from None
        if response.status_code != 200:
            raise HubError(_error_text(response), response.status_code)
        return response


def _quote(leg: str) -> str:
    from urllib.parse import quote

    return quote(leg, safe="")


def _describe(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    request = getattr(exc, "_request", None)
    if request is not None:
        text = f"{text} ({request.url})"
    return text


def _error_text(response: httpx.Response) -> str:
    try:
        message = response.json().get("error")
    except (ValueError, AttributeError):
        message = None
    if not message:
        message = response.reason_phrase or "error"
    return f"the hub answered {response.status_code}: {message}"


def recording_filename(leg: str) -> str:
    """``ringmon-c-981_sip101.wav`` for leg ``c-981/sip101``: safe on every file system."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", leg).strip("._") or "recording"
    return f"ringmon-{safe}.wav"


def unique_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-2``, ``name-3``... when a file is already there."""
    candidate = folder / name
    stem, suffix = candidate.stem, candidate.suffix
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{n}{suffix}"
        n += 1
    return candidate


def download_folder(configured: str | os.PathLike[str] | None = None) -> Path:
    """Where recordings go: the configured folder, else the user's download folder if it
    exists, else the current directory (on a jump host that is where the user is)."""
    if configured:
        return Path(configured).expanduser()
    try:
        from platformdirs import user_downloads_dir

        downloads = Path(user_downloads_dir())
    except Exception:  # platformdirs may fail on unusual hosts; fall back quietly
        downloads = None
    if downloads is not None and downloads.is_dir():
        return downloads
    return Path.cwd()


PLACEHOLDERS = ("{file}", "{}")


def player_command(configured: str | None = None) -> list[str] | None:
    """The player as argv, from the settings' ``player`` (config file or ``RINGMON_PLAYER``);
    None if unset. ``{file}`` in it is replaced by the recording's path, else the path is
    appended."""
    text = configured or os.environ.get("RINGMON_PLAYER")
    if not text or not text.strip():
        return None
    return shlex.split(text)


def player_argv(command: list[str], path: Path) -> list[str]:
    if any(p in part for part in command for p in PLACEHOLDERS):
        out = []
        for part in command:
            for placeholder in PLACEHOLDERS:
                part = part.replace(placeholder, str(path))
            out.append(part)
        return out
    return [*command, str(path)]


class PlayerError(Exception):
    """The player could not be started; ``str()`` is the sentence to show."""


async def play(command: list[str], path: Path) -> asyncio.subprocess.Process:
    """Start the player on ``path`` without waiting for it; returns its process.

    Its output goes nowhere, so it cannot scribble over the terminal the TUI is drawing.
    """
    try:
        process = await asyncio.create_subprocess_exec(
            *player_argv(command, path),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise PlayerError(f"the player {command[0]!r} could not be started: {exc}") from None
    return process
