"""The hub's ingest bookkeeping: whom each event concerns, and the call-log rows.

History (``queries.history``) replays only the events that concern one employee: those that
touch them (``ringmon.model.touched``, the rule the feed client redraws rows by). When an
account changes hands, its new owner's history also needs the events that made the account,
its devices and its legs in progress what they are: the ledger remembers those seqs and
links them to the new owner too, so that replaying one employee's events gives the same
history as replaying everyone's.
"""

from __future__ import annotations

import json

from ringmon.hub.storage.database import WriteBatch
from ringmon.model.calls import CallLeg
from ringmon.model.schema import (
    AccountRemove,
    AccountUpsert,
    CallAnswer,
    CallEnd,
    CallRing,
    DeviceStatus,
    Event,
)
from ringmon.model.state import State
from ringmon.model.touched import Touched, touched


class Ledger:
    """Which stored events built each account, device and leg in progress; call-log rows."""

    def __init__(self) -> None:
        self.account_seq: dict[str, int] = {}
        self.device_seq: dict[tuple[str, str], int] = {}
        self.leg_seq: dict[str, list[int]] = {}
        self.call_rows: dict[str, int] = {}
        self.next_call_id = 1

    def to_json(self) -> str:
        return json.dumps(
            {
                "accounts": self.account_seq,
                "devices": [[a, d, s] for (a, d), s in self.device_seq.items()],
                "legs": self.leg_seq,
            },
            separators=(",", ":"),
        )

    def restore(self, data: dict[str, object]) -> None:
        """The seq maps from ``to_json`` (call rows come from storage)."""
        accounts, devices, legs = data["accounts"], data["devices"], data["legs"]
        assert isinstance(accounts, dict) and isinstance(devices, list)
        assert isinstance(legs, dict)
        self.account_seq = {str(k): int(v) for k, v in accounts.items()}
        self.device_seq = {(str(a), str(d)): int(s) for a, d, s in devices}
        self.leg_seq = {str(k): [int(x) for x in v] for k, v in legs.items()}

    def before(self, state: State, ev: Event) -> Touched | Touch:
        """What must be read from the state before an event changes it: whom it concerns and
        the legs it changes (``ringmon.model.touched``: all most events need), and for an
        account's change what it makes the ledger forget."""
        concerned = touched(state, ev)
        kind = type(ev)  # event classes are final: the cheap isinstance
        if kind is not AccountUpsert and kind is not AccountRemove:
            return concerned
        if isinstance(ev, AccountUpsert):
            acc = state.accounts.get(ev.login)
            old = acc.employee if acc is not None else None
            return Touch(concerned.employees, old_owner=old)
        if isinstance(ev, AccountRemove):
            acc = state.accounts.get(ev.login)
            devices = tuple((acc.login, d) for d in acc.devices) if acc is not None else ()
            return Touch(concerned.employees, legs=concerned.legs, devices=devices)
        return concerned

    def after(
        self,
        state: State,
        ev: Event,
        seq: int,
        pre: Touched | Touch,
        batch: WriteBatch | None = None,
    ) -> None:
        """Bookkeeping after an event applied: links, call-log rows, and which stored events
        built each account, device and leg in progress (``batch`` is None while the state is
        rebuilt at start: then only that last part is done)."""
        links = batch.links if batch is not None else None
        if links is not None:
            for employee in pre.employees:
                links.append((employee, seq))
        kind = type(ev)  # event classes are final: the cheap isinstance
        fields = ev.__dict__  # cheaper than a pydantic model's attributes (see State.apply)
        if kind is DeviceStatus:
            self.device_seq[(fields["account"], fields["device"])] = seq
        elif kind is CallRing:
            self.leg_seq[fields["leg"]] = [seq]
        elif kind is CallAnswer:
            self.leg_seq.setdefault(fields["leg"], []).append(seq)
        elif kind is CallEnd:
            pass
        elif isinstance(ev, AccountUpsert):
            assert isinstance(pre, Touch)
            if ev.employee is not None and ev.employee != pre.old_owner and links is not None:
                # The new owner's history needs the account, its devices and its legs in
                # progress as they are now: link the events that made them.
                before = self.account_seq.get(ev.login)
                if before is not None:
                    links.append((ev.employee, before))
                links.extend(
                    (ev.employee, s)
                    for (login, _), s in self.device_seq.items()
                    if login == ev.login
                )
                for leg in state.legs.values():
                    if leg.account == ev.login:
                        links.extend((ev.employee, s) for s in self.leg_seq.get(leg.leg, ()))
            self.account_seq[ev.login] = seq
        elif isinstance(ev, AccountRemove):
            assert isinstance(pre, Touch)
            self.account_seq.pop(ev.login, None)
            for key in pre.devices:
                self.device_seq.pop(key, None)
        for leg in pre.legs:
            if leg.end_at is not None:
                self.leg_seq.pop(leg.leg, None)
        if batch is None:
            return
        # The legs whose call-log rows change, by row id: made rows when the batch is cut
        # (``WriteBatch.seal``), once however many of a leg's events the batch holds.
        legs = batch.legs
        if kind is CallRing:
            leg = state.legs[fields["leg"]]
            row_id = self.call_rows[leg.leg] = self.next_call_id
            self.next_call_id += 1
            legs[row_id] = leg
        else:
            for leg in pre.legs:
                row_id_or_none = self.call_rows.get(leg.leg)
                if row_id_or_none is None:
                    continue
                legs[row_id_or_none] = leg
                if leg.end_at is not None:
                    del self.call_rows[leg.leg]


class Touch:
    """What an account's change will change, read before it does: whom it concerns, the
    previous owner (account.upsert), the legs it ends and the devices it removes."""

    __slots__ = ("devices", "employees", "legs", "old_owner")

    def __init__(
        self,
        employees: tuple[str, ...] = (),
        *,
        old_owner: str | None = None,
        legs: tuple[CallLeg, ...] = (),
        devices: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.employees = employees
        self.old_owner = old_owner
        self.legs = legs
        self.devices = devices
