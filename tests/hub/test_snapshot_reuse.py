"""``/v1/snapshot`` made once for clients asking together: the hub serves the snapshot it
just made again while no event has come and it is under a second old (core.SNAPSHOT_REUSE),
and a fresh one as soon as an event comes or the second has passed."""

from __future__ import annotations

from hub_helpers import auth, team
from hub_served import Served

from ringmon.hub.core import SNAPSHOT_REUSE


async def _snapshot(served: Served) -> str:
    answer = await served.client.get("/v1/snapshot", headers=auth(served.token))
    assert answer.status_code == 200, answer.text
    return answer.text


async def test_the_same_snapshot_until_an_event_or_a_second(served: Served) -> None:
    hub = served.hub
    events = team()
    for event in events[:-1]:
        assert hub.accept(event, source="test")
    first = await _snapshot(served)
    assert await _snapshot(served) == first  # nothing new: the same document
    made = hub._last_snapshot
    assert made is not None and made[2] == first

    assert hub.accept(events[-1], source="test")  # an event: a snapshot holding it
    second = await _snapshot(served)
    assert second != first and f'"seq":{hub.seq},' in second

    served.clock.advance(SNAPSHOT_REUSE / 2)
    assert await _snapshot(served) == second
    served.clock.advance(SNAPSHOT_REUSE)  # older than the reuse bound: made again
    third = await _snapshot(served)
    assert third != second and f'"seq":{hub.seq},' in third
