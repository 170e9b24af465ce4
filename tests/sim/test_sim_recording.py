"""Synthesised recordings: valid WAV, deterministic, as long as the talk (capped)."""

from __future__ import annotations

import io
import wave

from ringmon.sources.sim import synth_recording
from ringmon.sources.sim.recording import MAX_SECONDS, recording_seconds


def parse(data: bytes) -> tuple[int, int, int, float]:
    with wave.open(io.BytesIO(data), "rb") as wav:
        frames = wav.readframes(wav.getnframes())
        assert len(frames) == 2 * wav.getnframes()
        return wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes() / 8000


def test_a_valid_small_wav_as_long_as_the_talk() -> None:
    data = synth_recording("sim:c260316-1-7/sip1003#12")
    assert data is not None
    channels, width, rate, seconds = parse(data)
    assert (channels, width, rate) == (1, 2, 8000)
    assert seconds == 12.0
    assert len(data) < 200_000


def test_long_calls_are_capped_and_short_ones_last_a_second() -> None:
    long = synth_recording("sim:c1/sip1#1180")
    short = synth_recording("sim:c1/sip1#0")
    assert long is not None and short is not None
    assert parse(long)[3] == MAX_SECONDS
    assert parse(short)[3] == 1.0


def test_deterministic_and_distinct() -> None:
    a = synth_recording("sim:c1/sip1#20")
    assert a == synth_recording("sim:c1/sip1#20")
    assert a != synth_recording("sim:c2/sip1#20")


def test_not_audible_silence() -> None:
    data = synth_recording("sim:c9/sip9#5")
    assert data is not None
    with wave.open(io.BytesIO(data), "rb") as wav:
        frames = wav.readframes(wav.getnframes())
    samples = memoryview(frames).cast("h")
    assert max(abs(s) for s in samples) > 2000


def test_other_refs_are_not_ours() -> None:
    assert synth_recording("ari:123") is None
    assert synth_recording("sim:") is None
    assert recording_seconds("http://x/y.wav") is None
    bare = synth_recording("sim:c1/sip1")  # no talk time: a length of its own, still valid
    assert bare is not None and 1.0 <= parse(bare)[3] <= MAX_SECONDS
