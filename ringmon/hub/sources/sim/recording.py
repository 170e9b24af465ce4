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
from random import Random

PREFIX = "sim:"
RATE = 8000
MAX_SECONDS = 30.0
MIN_SECONDS = 1.0
_TABLE_SIZE = 1024
_SINE = [math.sin(2 * math.pi * i / _TABLE_SIZE) for i in range(_TABLE_SIZE)]


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
    samples = array("h", bytes(2 * total))
    voices = (rng.uniform(95, 140), rng.uniform(170, 240))  # two speakers' pitch, Hz
    position = int(rng.uniform(0.2, 0.6) * RATE)  # the line opens with a short silence
    speaker = rng.randrange(2)
    while position < total:
        turn = int(rng.uniform(0.8, 4.0) * RATE)
        _speak(samples, position, min(total, position + turn), voices[speaker], rng)
        position += turn + int(rng.uniform(0.15, 0.9) * RATE)
        speaker = 1 - speaker
    noise = Random(f"ringmon-sim:noise:{ref}")
    for i in range(0, total, 3):
        samples[i] = _clip(samples[i] + int(noise.gauss(0, 120)))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(samples.tobytes())
    return out.getvalue()


def _speak(samples: array[int], begin: int, end: int, pitch: float, rng: Random) -> None:
    """A turn of 'speech': a pitched tone with its second harmonic, in syllables."""
    syllable = rng.uniform(0.16, 0.28) * RATE
    phase = 0.0
    sine = _SINE
    mask = _TABLE_SIZE - 1
    step = pitch * _TABLE_SIZE / RATE
    loudness = rng.uniform(4000, 9000)
    for i in range(begin, end):
        local = (i - begin) / syllable
        envelope = abs(_SINE[int(local * _TABLE_SIZE / 2) & mask])
        glide = 1.0 + 0.08 * sine[int(local * 37) & mask]
        phase += step * glide
        p = int(phase)
        value = sine[p & mask] + 0.45 * sine[(2 * p) & mask]
        samples[i] = _clip(int(value * envelope * loudness))


def _clip(value: int) -> int:
    return -32768 if value < -32768 else 32767 if value > 32767 else value
