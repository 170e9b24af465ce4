"""The built-in simulator source ``sim``: a believable call centre, deterministic under a seed.

- ``roster``: the people, departments, shifts, SIP accounts and user agents (and the 24x7
  coverage rule that keeps the demo alive at any hour);
- ``day_plan``: one employee's day (attendance, log in/out, lunch, DND breaks, blips);
- ``calls``: one team's calls for a day (daily curve, hunt groups, direct, outbound);
- ``stream``: all of it merged lazily in time order, fresh or resumed;
- ``source``: ``SimSource`` (the hub source) and ``simulate`` (the same events, for tests
  and benchmarks);
- ``worker``: the stream made in a worker process, for a big roster (the hub's core is
  left to taking the events);
- ``recording``: synthesised WAV recordings.
"""

from ringmon.sources.sim.recording import synth_recording
from ringmon.sources.sim.roster import Roster, build_roster
from ringmon.sources.sim.source import SimSource, simulate

__all__ = ["Roster", "SimSource", "build_roster", "simulate", "synth_recording"]
