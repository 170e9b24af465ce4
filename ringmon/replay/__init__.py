"""Replay: the board as it was at a past moment (``ringmon --at``, ``[ { ] }``, ``p``, ``esc``).

- ``moment``: reading ``--at`` (local time, or ISO with an offset) and saying a moment;
- ``hub``: the two REST calls (``/v1/replay?at=``, ``/v1/replay/events``);
- ``session``: the App's replay: which moment is shown, stepping, playing, back to live;
- ``banner``: the REPLAY line over the board;
- ``keys``: the App's keys for it.

The hub rebuilds the moment with the model (docs/replay.md); the client applies the replay's
events with the same model as the live feed's.
"""
