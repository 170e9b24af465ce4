"""One page of ``GET /v1/calls`` (a module of its own: the call log's models are built when a
call log first asks, not at every start of the TUI)."""

from __future__ import annotations

import pydantic

from ringmon.model.wire import LegDoc


class CallPage(pydantic.BaseModel):
    """One page of ``GET /v1/calls``."""

    calls: list[LegDoc]
    next: str | None = None
