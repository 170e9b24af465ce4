"""The one retry policy (ringmon/retry.py): waits double from ``first`` up to ``cap``, a try
that ran properly starts them over, other exceptions go through, a try that returns ends it."""

from __future__ import annotations

import pytest

from ringmon.retry import Backoff, Lost


async def test_waits_double_up_to_the_cap_and_start_over_after_a_good_run() -> None:
    outcomes = [False, False, False, False, True, False, False, None]  # None: it returns
    told: list[tuple[str, float]] = []
    tries = 0

    async def attempt() -> None:
        nonlocal tries
        outcome = outcomes[tries]
        tries += 1
        if outcome is not None:
            raise Lost(f"try {tries}", after_running=outcome)

    await Backoff(0.001, 0.004).keep_trying(
        attempt, waiting=lambda lost, s: told.append((lost.reason, s))
    )
    assert tries == len(outcomes)
    assert told == [
        ("try 1", 0.001),
        ("try 2", 0.002),
        ("try 3", 0.004),
        ("try 4", 0.004),  # capped
        ("try 5", 0.001),  # it had run properly: from the first wait again
        ("try 6", 0.001),
        ("try 7", 0.002),
    ]


async def test_other_exceptions_are_not_retried() -> None:
    tries = 0

    async def attempt() -> None:
        nonlocal tries
        tries += 1
        raise ValueError("a bug, not a lost connection")

    with pytest.raises(ValueError, match="a bug"):
        await Backoff(0.001, 0.002).keep_trying(attempt, waiting=lambda lost, s: None)
    assert tries == 1
