"""The call log's recordings: download one (``s``) or play it (``p``) (R12).

A recording is streamed to a file with a progress bar and the screen says where it went; ``p``
plays it with the configured player (``RINGMON_PLAYER`` or the config file's ``player``): a
recording already saved with ``s`` from where it was saved, else from a private temporary
folder that is removed once the player exits (playing leaves no copy behind).
In a browser (``ringmon web``) the recording goes to the browser instead (Textual's
``deliver_binary``), which saves it (``s``) or plays it (``p``); nothing stays on the server.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from textual import work
from textual.screen import Screen
from textual.widgets import ProgressBar

from ringmon.hub_client import HubClient, HubError
from ringmon.hub_client.recordings import Download, download_folder
from ringmon.model.wire import LegDoc
from ringmon.player import PlayerError, play, player_command


class RecordingActions(Screen[None]):
    """The download and play actions of a screen that lists calls: the screen gives the
    selected call (``_selected``), a status line (``_status``) and a ``ProgressBar``."""

    client: HubClient
    player: str | None
    download_dir: Path | None
    downloads: dict[str, Path]

    def _selected(self) -> LegDoc | None:
        raise NotImplementedError

    def _status(self, text: str, *, error: bool = False) -> None:
        raise NotImplementedError

    def _keys_hint(self) -> str:
        if self.app.is_web:
            return "s/enter: download the recording · p: play it in the browser · r/i: filters"
        player = "p: play" if player_command(self.player) else "p: play (set RINGMON_PLAYER)"
        return f"s/enter: download the recording · {player} · r/i: filters"

    def _recorded(self) -> LegDoc | None:
        """The selected call if it has a recording (else None, and the status line says so)."""
        leg = self._selected()
        if leg is not None and not leg.recording:
            self._status("This call has no recording.", error=True)
            return None
        return leg

    def action_download(self) -> None:
        leg = self._recorded()
        if leg is None:
            return
        self._download(leg)

    def action_play(self) -> None:
        leg = self._recorded()
        if leg is None:
            return
        if self.app.is_web:  # the browser plays it
            self._download(leg, then_play=True)
            return
        if player_command(self.player) is None:
            self._status(
                "No player configured: set RINGMON_PLAYER (e.g. 'mpv --no-video') or "
                "'player' in the config file. s downloads the file instead.",
                error=True,
            )
            return
        done = self.downloads.get(leg.leg)
        if done is not None and done.exists():
            self._play(done)
        else:
            self.run_worker(self._play_once(leg), group="player")

    async def _play_once(self, leg: LegDoc) -> None:
        """Fetch the recording into a private temporary folder (mode 0700), play it, and
        remove the folder when the player exits (or when the screen goes: a player that is
        still running keeps its open file)."""
        command = player_command(self.player)
        if command is None:
            return
        with tempfile.TemporaryDirectory(prefix="ringmon-play-") as folder:
            result = await self._fetch(
                leg,
                Path(folder),
                f"Fetching the recording of {leg.leg} to play it ...",
                "Could not fetch the recording",
            )
            if result is None:
                return
            try:
                process = await play(command, result.path)
            except PlayerError as exc:
                self._status(str(exc), error=True)
                return
            self._status(f"Playing the recording of {leg.leg} with {command[0]} (on this machine)")
            await process.wait()

    async def _fetch(self, leg: LegDoc, folder: Path, doing: str, failed: str) -> Download | None:
        """The recording of ``leg`` streamed into ``folder`` with the progress bar shown and
        ``doing`` in the status line; None when the hub failed (``failed: why`` said there)."""
        bar = self.query_one(ProgressBar)
        bar.update(total=None, progress=0)
        bar.add_class("-shown")
        self._status(doing)

        def progress(received: int, total: int | None) -> None:
            bar.update(total=total, progress=received)

        try:
            result = await self.client.download_recording(leg.leg, folder, progress)
        except HubError as exc:
            bar.remove_class("-shown")
            self._status(f"{failed}: {exc}", error=True)
            return None
        bar.update(total=max(result.size, 1), progress=max(result.size, 1))
        return result

    @work(exclusive=True, group="recording")
    async def _download(self, leg: LegDoc, then_play: bool = False) -> None:
        if self.app.is_web:
            await self._deliver(leg, then_play)
            return
        folder = download_folder(self.download_dir)
        doing = f"Downloading the recording of {leg.leg} to {folder} ..."
        result = await self._fetch(leg, folder, doing, "Download failed")
        if result is None:
            return
        self.downloads[leg.leg] = result.path
        self._status(f"Saved the recording to {result.path} ({result.size:,} bytes)")
        self.notify(f"Recording saved to {result.path}", title="Download complete", markup=False)

    async def _deliver(self, leg: LegDoc, then_play: bool) -> None:
        """To the browser: the recording is fetched into a private temporary folder of the
        server, opened, and handed to Textual (which streams it to the browser and closes it);
        the folder is gone before the browser has the file."""
        with tempfile.TemporaryDirectory(prefix="ringmon-recording-") as scratch:
            doing = f"Fetching the recording of {leg.leg} for your browser ..."
            result = await self._fetch(leg, Path(scratch), doing, "Download failed")
            if result is None:
                return
            recording = result.path.open("rb")
        self.app.deliver_binary(
            recording,
            save_filename=result.path.name,
            open_method="browser" if then_play else "download",
        )
        done = "Opened the recording {} in" if then_play else "Sent the recording {} to"
        self._status(f"{done.format(result.path.name)} your browser ({result.size:,} bytes)")

    def _play(self, path: Path) -> None:
        self.run_worker(self._start_player(path), group="player")

    async def _start_player(self, path: Path) -> None:
        command = player_command(self.player)
        if command is None:
            return
        try:
            await play(command, path)
        except PlayerError as exc:
            self._status(str(exc), error=True)
            return
        self._status(f"Playing {path} with {command[0]} (on this machine)")
