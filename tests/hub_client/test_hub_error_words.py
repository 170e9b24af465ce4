"""The words of each kind of hub failure (``ringmon.hub_client.errors``), for the failures
that the black-box test (test_hub_error_sentences.py) cannot cause cheaply: a timeout, a
feed closed under us, a proxy's page, an answer without the hub's own words."""

from __future__ import annotations

import httpx
import pytest
from websockets.exceptions import ConnectionClosedError
from websockets.frames import Close

from ringmon.hub_client import Failure, HubError, hub_error
from ringmon.hub_client.errors import answered

URL = "http://hub.example:8765"


def test_a_timeout() -> None:
    error = hub_error(httpx.ReadTimeout("timed out"), URL)
    assert (error.failure, str(error)) == (
        Failure.TIMEOUT,
        f"the hub at {URL} did not answer in time",
    )
    assert str(hub_error(TimeoutError(), URL)) == str(error)


def test_a_feed_closed_under_us() -> None:
    closed = ConnectionClosedError(Close(1011, "keepalive ping timeout"), None)
    error = hub_error(closed, URL)
    assert (error.failure, str(error)) == (Failure.LOST, "the connection to the hub was lost")


@pytest.mark.parametrize(
    ("status", "body", "reason", "words"),
    [
        (500, b'{"error": "the storage is gone"}', "Internal Server Error", "the storage is gone"),
        (502, b"<html><body>Bad gateway</body></html>", "Bad Gateway", "Bad Gateway"),
        (503, b"", "Service Unavailable", "Service Unavailable"),
        (503, b"server is shutting down\n", "Service Unavailable", "server is shutting down"),
        (500, b'{"detail": "x"}', "", "no reason given"),
    ],
)
def test_an_error_answer_gives_the_hubs_words_or_the_status_reason(
    status: int, body: bytes, reason: str, words: str
) -> None:
    error = answered(status, body, reason)
    assert (error.failure, error.status) == (Failure.ANSWERED, status)
    assert str(error) == f"the hub answered {status}: {words}"


def test_a_refusal_is_for_good() -> None:
    error = answered(403, b'{"error": "Only analysts and administrators may read this."}')
    assert error.refused and error.status == 403
    assert str(error) == (
        "the hub refused the token (403): Only analysts and administrators may read this."
    )


def test_a_hub_error_passes_through_unchanged() -> None:
    error = HubError(Failure.NOT_SAVED, "the recording could not be saved in /x: No space")
    assert hub_error(error, URL) is error
