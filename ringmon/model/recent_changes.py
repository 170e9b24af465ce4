"""Which employees' status changed in the last few seconds (the board's change markers).

Measured in wall time (the user's own clock, not the hub's, which runs faster in a demo): a
supervisor who looks up sees what moved while they looked away. Noting a change and letting
markers go are both O(changes): entries leave in the order they came.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

CHANGE_MARK_SECONDS = 10.0
"""How long a row stays marked after its status changed."""


class RecentChanges:
    """Employee ids whose status changed within ``window`` seconds of wall time."""

    __slots__ = ("_at", "_queue", "window")

    def __init__(self, window: float = CHANGE_MARK_SECONDS) -> None:
        self.window = window
        self._at: dict[str, float] = {}
        self._queue: deque[tuple[float, str]] = deque()

    def __contains__(self, employee_id: object) -> bool:
        return employee_id in self._at

    def __len__(self) -> int:
        return len(self._at)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self._at)

    def note(self, employee_ids: Iterable[str], at: float) -> None:
        """These employees' status changed at wall time ``at``."""
        for emp in employee_ids:
            self._at[emp] = at
            self._queue.append((at, emp))

    def expire(self, now: float) -> set[str]:
        """Let go of the markers older than the window at ``now``; return whose went."""
        gone: set[str] = set()
        limit = now - self.window
        queue = self._queue
        while queue and queue[0][0] <= limit:
            at, emp = queue.popleft()
            if self._at.get(emp) == at:
                del self._at[emp]
                gone.add(emp)
        return gone

    def forget(self, employee_ids: Iterable[str]) -> None:
        """Employees who left the board."""
        for emp in employee_ids:
            self._at.pop(emp, None)

    def clear(self) -> None:
        self._at.clear()
        self._queue.clear()
