"""``python -m ringmon.bench ingest`` on a small day: it runs, measures the model under both
collector settings, leaves the process's collector as it found it, and the model rejects
nothing of the simulator's stream (a rejection would make its figures meaningless)."""

from __future__ import annotations

import gc

import pytest

from ringmon.bench import ingest


def test_ingest_bench_prints_both_ratios_and_restores_the_collector(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = gc.get_threshold()
    try:
        assert ingest.main(["--employees", "20", "--repeat", "2"]) == 0
    finally:
        gc.unfreeze()  # what the benchmark froze: its frames
    out = capsys.readouterr().out
    assert gc.get_threshold() == before
    assert "ratio (b)/(a), default collector:" in out
    assert "ratio (b)/(a), hub's collector:" in out
    assert "(b) the same, hub's collector" in out
    assert "rejected" not in out
