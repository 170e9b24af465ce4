"""Synthesised call recordings: small, deterministic WAV files (8 kHz, mono, 16-bit).

A simulated recording reference reads ``sim:<leg>#<talk seconds>`` (``sim:<leg>`` alone is
accepted too). The audio is two "speakers" taking turns (tones with a syllable rhythm, a bit
of line noise, pauses), as long as the talk time but at most ``MAX_SECONDS``: enough to
check that playback works, small enough to stream at once. The same reference always gives
the same bytes.
"""

from __future__ import annotations

import io
import math
import wave
from array import array
from functools import cache
from random import Random

PREFIX = "sim:"
RATE = 8000
MAX_SECONDS = 30.0
MIN_SECONDS = 1.0


def recording_seconds(ref: str) -> float | None:
    """How long the recording of ``ref`` lasts; None if ``ref`` is not the simulator's."""
    if not ref.startswith(PREFIX) or len(ref) <= len(PREFIX):
        return None
    _, _, talk = ref.rpartition("#")
    seconds = float(talk) if "#" in ref and talk.isdigit() else 5.0 + Random(ref).random() * 25.0
    return max(MIN_SECONDS, min(MAX_SECONDS, seconds))


def synth_recording(ref: str) -> bytes | None:
    """The WAV bytes of recording ``ref``, or None if it is not a ``sim:`` reference."""
    seconds = recording_seconds(ref)
    if seconds is None:
        return None
    rng = Random(f"ringmon-sim:recording:{ref}")
    total = int(seconds * RATE)
    voices = rng.sample(range(len(_PITCHES)), 2)  # two speakers
    samples = array("h")
    samples.extend(_hiss(rng, int(rng.uniform(0.2, 0.6) * RATE)))  # the line opens
    speaker = rng.randrange(2)
    while len(samples) < total:
        turn_end = len(samples) + int(rng.uniform(0.8, 4.0) * RATE)
        while len(samples) < turn_end:
            samples.extend(_syllable(voices[speaker], rng.randrange(_VARIANTS)))
        samples.extend(_hiss(rng, int(rng.uniform(0.15, 0.9) * RATE)))
        speaker = 1 - speaker
    del samples[total:]
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(samples.tobytes())
    return out.getvalue()


# The audio is assembled from a small bank of pre-computed pieces (syllables of a few
# voices, line hiss), so that a 30 s recording costs array copies, not a loop per sample.
_PITCHES = (98.0, 121.0, 176.0, 214.0)
_VARIANTS = 4


def _hiss(rng: Random, length: int) -> array[int]:
    noise = _noise()
    begin = rng.randrange(len(noise) - length) if length < len(noise) else 0
    return noise[begin : begin + length]


@cache
def _noise() -> array[int]:
    rng = Random("ringmon-sim:hiss")
    return array("h", (int(rng.gauss(0, 90)) for _ in range(RATE)))


@cache
def _syllable(voice: int, variant: int) -> array[int]:
    """A pitched tone with its second harmonic, gliding, under a syllable envelope."""
    rng = Random(f"ringmon-sim:syllable:{voice}:{variant}")
    length = int(rng.uniform(0.16, 0.28) * RATE)
    loudness = rng.uniform(4000, 9000)
    glide = rng.uniform(-0.12, 0.12)
    step = _PITCHES[voice] / RATE
    noise = _noise()
    phase = 0.0
    out = array("h", bytes(2 * length))
    for i in range(length):
        x = i / length
        phase += step * (1.0 + glide * x)
        value = math.sin(2 * math.pi * phase) + 0.45 * math.sin(4 * math.pi * phase)
        sample = int(value * math.sin(math.pi * x) * loudness) + noise[i]
        out[i] = max(-32768, min(32767, sample))
    return out
