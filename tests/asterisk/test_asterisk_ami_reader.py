"""The AMI reader copes with frames split or glued at any TCP boundary.

The stream is the AMI-only tap recorded in the lab (fixtures/e2e-ami-frames.jsonl: every AMI
event the source received, in order), written back as AMI writes it (``Key: value`` lines,
CRLF, a blank line after each message). Hypothesis cuts it at random places (one byte, the
middle of a CRLF, several messages in one read) and sends the pieces over a real loopback
socket, one write and drain each; the client's reader must give back the same events, in
the same order, none malformed.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ringmon.sources.asterisk.ami import AmiClient

FIXTURE = Path(__file__).parent / "fixtures" / "e2e-ami-frames.jsonl"


def _recorded() -> list[dict[str, str]]:
    frames = []
    for line in FIXTURE.read_text().splitlines():
        record = json.loads(line)
        if record["src"] == "ami":
            frames.append(record["frame"])
    return frames


FRAMES = _recorded()
STREAM = b"".join(
    ("".join(f"{k}: {v}\r\n" for k, v in frame.items()) + "\r\n").encode() for frame in FRAMES
)


async def _read_through_socket(cuts: list[int]) -> tuple[list[dict[str, str]], int]:
    bounds = [0, *sorted(set(cuts)), len(STREAM)]
    pieces = [STREAM[a:b] for a, b in itertools.pairwise(bounds) if b > a]

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for piece in pieces:
            writer.write(piece)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        client = AmiClient(reader, writer)
        await asyncio.wait_for(client._read(), 10)  # until the server closes
        events: list[dict[str, str]] = []
        while (msg := client._events.get_nowait()) is not None:
            events.append(msg)
        await client.close()
        return events, client.malformed
    finally:
        server.close()
        await server.wait_closed()


def test_the_recorded_stream_holds_the_channel_events() -> None:
    kinds = {frame["Event"] for frame in FRAMES}
    assert {"Newchannel", "Newstate", "DialBegin", "DialEnd", "Hangup", "ContactStatus"} <= kinds
    assert len(STREAM) > 10_000


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=len(STREAM) - 1), max_size=200))
def test_any_chunking_gives_the_same_events(cuts: list[int]) -> None:
    events, malformed = asyncio.run(_read_through_socket(cuts))
    assert events == FRAMES
    assert malformed == 0


def test_one_byte_at_a_time() -> None:
    head = len(STREAM) // 8
    events, malformed = asyncio.run(_read_through_socket(list(range(1, head))))
    assert events == FRAMES and malformed == 0
