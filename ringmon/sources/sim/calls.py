"""Calls for one team on one day: hunt groups, direct calls and outbound calls.

A *unit* is one team (a hunt group: people of one department on one shift) on one local date.
Its events depend only on (seed, team, date), so any day can be generated on its own, and the
unit is produced lazily in time order: calls arrive one after another (a non-homogeneous
Poisson process following the daily curve and the number of people logged in), each arrival
is decided whole (who rings, who answers, how long they talk) and its events wait in a small
heap until the arrival clock passes them.

Consistency with ``State.apply`` is by construction: a leg rings only on a device that the
day plan has online (registered, not DND) from the ring until the leg ends; a person takes one
call at a time (plus a short wrap-up); no call is in progress at a local midnight.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections.abc import Iterator
from datetime import date, timedelta, tzinfo
from random import Random
from typing import Any

from ringmon.sources.sim.day_plan import DayPlan, Segment, local_time, plan_day
from ringmon.sources.sim.roster import Team

# Internal event payloads (tuples, for speed; turned into schema events by the stream):
DEVICE = 0  # (DEVICE, login, device, user_agent, status, dnd_capable[, reason])
RING = 1  # (RING, call, leg, login, device | None, direction, remote, ring_ts)
ANSWER = 2  # (ANSWER, call, leg, device | None, ring_ts)
END = 3  # (END, call, leg, recording | None, ring_ts)

Payload = tuple[Any, ...]
UnitItem = tuple[float, int, Payload]
"""(ts, order within the unit, payload)."""

RING_WINDOW = 45.0
"""A device must stay online this long after a ring for the leg to be placed on it."""
MAX_TALK = 20 * 60.0
RECORDED_SHARE = 0.9


def curve(hour: float) -> float:
    """Relative call intensity by local hour: peaks mid-morning and early afternoon.

    Never zero: the 24x7 line takes calls at night too (about an eighth of the peak), and
    evenings stay busier than nights.
    """
    return (
        0.12
        + 0.2 * math.exp(-(((hour - 19.0) / 3.0) ** 2))
        + 0.85 * math.exp(-(((hour - 10.5) / 1.7) ** 2))
        + 0.7 * math.exp(-(((hour - 14.3) / 1.6) ** 2))
    )


class _Member:
    __slots__ = ("busy_until", "index", "plan", "segment_index", "segments")

    def __init__(self, plan: DayPlan) -> None:
        self.plan = plan
        self.segments = plan.segments
        self.busy_until = 0.0
        self.segment_index = 0

    def segment(self, at: float) -> Segment | None:
        """The plan's segment holding ``at`` (``at`` never decreases between calls)."""
        segments = self.plan.segments
        i = self.segment_index
        while i < len(segments) and segments[i].end <= at:
            i += 1
        self.segment_index = i
        if i < len(segments) and segments[i].start <= at:
            return segments[i]
        return None


def talk_time(rng: Random) -> float:
    """A few seconds (wrong number) to ~20 minutes; most calls three to six minutes."""
    x = rng.random()
    if x < 0.07:
        return rng.uniform(3, 20)
    if x < 0.9:
        return min(MAX_TALK, rng.lognormvariate(math.log(230), 0.7))
    return rng.uniform(600, MAX_TALK)


CONTACTS = (
    "Kowalski Transport",
    "Nowak i Syn",
    "Apteka Centrum",
    "Hotel Baltic",
    "Zielona Szkoła",
    "Biuro Rachunkowe Lis",
    "Auto Serwis Max",
)


def caller_name(number: str) -> str:
    """The name the phone book has for a number: one number in three is a known customer,
    the others are shown by number only (a pure function of the number, so the simulator's
    random sequence stays as it was)."""
    digits = sum(map(ord, number))
    return CONTACTS[digits // 3 % len(CONTACTS)] if digits % 3 == 0 else ""


def remote_number(rng: Random) -> str:
    x = rng.random()
    if x < 0.7:
        return f"+48{rng.choice('5678')}{rng.randrange(10**8):08d}"
    if x < 0.85:
        return f"+48{rng.choice(('12', '22', '58', '61', '71'))}{rng.randrange(10**7):07d}"
    prefix = rng.choice(("+49", "+420", "+44", "+380", "+370"))
    return f"{prefix}{rng.randrange(10**9):09d}"


class _Unit:
    """The state of one unit's generation."""

    def __init__(self, team: Team, day: date, seed: int, tz: tzinfo) -> None:
        self.team = team
        self.day = day
        self.rng = Random(f"ringmon-sim:{seed}:team:{team.index}:{day.toordinal()}")
        self.day_start = local_time(day, 0, tz)
        self.midnight = local_time(day + timedelta(days=1), 0, tz)
        plans = [plan_day(member, day, seed, tz) for member in team.members]
        self.members = [_Member(plan) for plan in plans if plan is not None]
        self.logins = sorted(m.plan.login for m in self.members)
        self.logouts = sorted(m.plan.logout for m in self.members)
        self.pending: list[UnitItem] = []
        self.order = 0
        self.calls = 0
        self.call_prefix = f"c{day:%y%m%d}-{team.index}-"

    def push(self, at: float, payload: Payload) -> None:
        heapq.heappush(self.pending, (at, self.order, payload))
        self.order += 1

    # -- who can take a call ------------------------------------------------------------

    def working(self, at: float) -> int:
        return bisect_right(self.logins, at) - bisect_right(self.logouts, at)

    def next_login(self, at: float) -> float:
        i = bisect_right(self.logins, at)
        return self.logins[i] if i < len(self.logins) else math.inf

    def device_for(self, segment: Segment, at: float) -> tuple[int, float] | None:
        """An online device (index, online until) that can ring at ``at`` and after."""
        online = segment.online
        if len(online) == 1:
            until = segment.until[0]
            return (online[0], until) if until >= at + RING_WINDOW else None
        choices = [
            (device, until)
            for device, until in zip(online, segment.until, strict=True)
            if until >= at + RING_WINDOW
        ]
        return self.rng.choice(choices) if choices else None

    def free(self, at: float) -> list[tuple[_Member, Segment]]:
        """Members at the desk and not on a call at ``at``, with their current segment."""
        out = []
        for member in self.members:
            if member.busy_until > at:
                continue
            segments = member.segments
            i = member.segment_index
            try:
                segment = segments[i]
                while segment.end <= at:
                    i += 1
                    segment = segments[i]
            except IndexError:
                member.segment_index = i
                continue
            member.segment_index = i
            if segment.start <= at and segment.attentive:
                out.append((member, segment))
        return out

    # -- one leg ------------------------------------------------------------------------

    def ring(
        self,
        call: str,
        member: _Member,
        segment: Segment,
        device: int,
        at: float,
        direction: str,
        remote: str,
    ) -> tuple[str, str | None]:
        """Push the ring of a leg; return (leg, the device to name at answer, if any)."""
        account, dev = member.plan.devices[device]
        leg = f"{call}/{account.login}"
        forked = (
            len(account.devices) > 1
            and sum(1 for d in segment.online if member.plan.devices[d][0] is account) > 1
        )
        # With several contacts on one account the PBX forks the ring and only the answer
        # tells which device picked up.
        self.push(
            at,
            (RING, call, leg, account.login, None if forked else dev.id, direction, remote, at),
        )
        return leg, dev.id if forked else None

    def cap(self, at: float, end: float, until: float) -> float:
        limit = until - 1.0
        if at < self.midnight:
            limit = min(limit, self.midnight - 1.0)
        return round(min(end, limit), 3)

    def answered(
        self,
        call: str,
        leg: str,
        answer_device: str | None,
        member: _Member,
        ring_at: float,
        answer_at: float,
        until: float,
    ) -> None:
        end = self.cap(ring_at, answer_at + talk_time(self.rng), until)
        if end < answer_at + 1.0:
            end = answer_at + 1.0
        self.push(answer_at, (ANSWER, call, leg, answer_device, ring_at))
        talk = end - answer_at
        recording = f"sim:{leg}#{int(talk)}" if self.rng.random() < RECORDED_SHARE else None
        self.push(end, (END, call, leg, recording, ring_at))
        member.busy_until = end + self.rng.uniform(5, 45)

    def unanswered(self, call: str, leg: str, ring_at: float, end: float) -> None:
        self.push(end, (END, call, leg, None, ring_at))

    # -- arrivals -----------------------------------------------------------------------

    def new_call(self) -> str:
        self.calls += 1
        return f"{self.call_prefix}{self.calls}"

    def hunt(self, at: float, remote: str) -> None:
        rng = self.rng
        free = self.free(at)
        if not free:
            return  # everyone busy: the caller waits in the queue, not simulated
        picked = rng.sample(free, min(len(free), rng.choice((2, 2, 3, 3, 4))))
        ringing = []
        for member, segment in picked:
            found = self.device_for(segment, at)
            if found is not None:
                ringing.append((member, segment, found[0], found[1]))
        if not ringing:
            return
        call = self.new_call()
        legs = []
        for member, segment, device, until in ringing:
            leg, answer_device = self.ring(call, member, segment, device, at, "in", remote)
            legs.append((member, leg, answer_device, until))
        if rng.random() < 0.88:
            wait = min(30.0, max(1.0, rng.lognormvariate(math.log(3.5), 0.5)))
            answer_at = round(at + wait, 3)
            winner = rng.randrange(len(legs))
            for i, (member, leg, answer_device, until) in enumerate(legs):
                if i == winner:
                    self.answered(call, leg, answer_device, member, at, answer_at, until)
                else:
                    self.unanswered(call, leg, at, answer_at)
                    member.busy_until = max(member.busy_until, answer_at)
        else:
            end = round(at + self.abandon_after(), 3)
            for member, leg, _, _ in legs:
                self.unanswered(call, leg, at, end)
                member.busy_until = max(member.busy_until, end)

    def abandon_after(self) -> float:
        """How long an unanswered caller waits: some hang up within 5 s, most later."""
        if self.rng.random() < 0.35:
            return self.rng.uniform(1.5, 5.0)
        return self.rng.uniform(6.0, 40.0)

    def direct(self, at: float, remote: str) -> None:
        rng = self.rng
        present = [(m, s) for m in self.members if (s := m.segment(at)) is not None]
        if not present:
            return
        member, segment = rng.choice(present)
        if member.busy_until > at:
            return  # busy: the PBX sends the caller to voicemail
        found = self.device_for(segment, at)
        if found is None:
            return
        device, until = found
        call = self.new_call()
        leg, answer_device = self.ring(call, member, segment, device, at, "in", remote)
        if segment.attentive and rng.random() < 0.85:
            answer_at = round(at + rng.uniform(2, 14), 3)
            self.answered(call, leg, answer_device, member, at, answer_at, until)
            return
        if segment.attentive:
            end = round(at + self.abandon_after(), 3)  # did not pick up in time
        else:
            end = round(at + rng.uniform(8, 30), 3)  # away, the softphone still registered
        self.unanswered(call, leg, at, end)
        member.busy_until = end

    def outbound(self, at: float) -> None:
        rng = self.rng
        free = self.free(at)
        if not free:
            return
        member, segment = rng.choice(free)
        found = self.device_for(segment, at)
        if found is None:
            return
        device, until = found
        call = self.new_call()
        leg, answer_device = self.ring(call, member, segment, device, at, "out", remote_number(rng))
        if rng.random() < 0.62:
            answer_at = round(at + rng.uniform(3, 25), 3)
            self.answered(call, leg, answer_device, member, at, answer_at, until)
        else:
            end = round(at + rng.uniform(8, 40), 3)
            self.unanswered(call, leg, at, end)
            member.busy_until = end + rng.uniform(5, 20)

    def gap(self, at: float, per_hour: float) -> float:
        """Time of the next arrival after ``at`` of a stream of ``per_hour`` per person."""
        if per_hour <= 0:
            return math.inf
        people = self.working(at)
        if people == 0:
            return self.next_login(at) + 1.0
        hour = ((at - self.day_start) / 3600.0) % 24.0
        rate = per_hour * people * curve(hour) / 3600.0
        return round(at + self.rng.expovariate(rate), 3)

    def run(self) -> Iterator[UnitItem]:
        if not self.members:
            return
        for member in self.members:
            for at, device, status in member.plan.transitions:
                account, dev = member.plan.devices[device]
                reason = member.plan.reasons.get((at, device))
                payload = (DEVICE, account.login, dev.id, dev.user_agent, status, dev.dnd_capable)
                self.push(at, payload if reason is None else (*payload, reason))
        department = self.team.department
        start = min(m.plan.login for m in self.members)
        stop = max(m.plan.logout for m in self.members)
        next_in = self.gap(start, department.incoming_per_hour)
        next_out = self.gap(start, department.outbound_per_hour)
        pending = self.pending
        hunt_share = department.hunt_share if self.team.hunt_group else 0.0
        while True:
            at = min(next_in, next_out)
            if at >= stop:
                break
            while pending and pending[0][0] <= at:
                yield heapq.heappop(pending)
            if self.midnight - RING_WINDOW <= at < self.midnight + 1.0:
                pass  # nothing starts just before midnight: no call crosses a day boundary
            elif at == next_in:
                remote = remote_number(self.rng)
                if self.rng.random() < hunt_share:
                    self.hunt(at, remote)
                else:
                    self.direct(at, remote)
            else:
                self.outbound(at)
            if at == next_in:
                next_in = self.gap(at, department.incoming_per_hour)
            else:
                next_out = self.gap(at, department.outbound_per_hour)
        while pending:
            yield heapq.heappop(pending)


def unit_events(team: Team, day: date, seed: int, tz: tzinfo) -> Iterator[UnitItem]:
    """The events of ``team`` for the shifts starting on ``day``, in (ts, order) order."""
    return _Unit(team, day, seed, tz).run()
