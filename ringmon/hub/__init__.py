"""The hub: records what sources report, and serves it (REST snapshot/history + WebSocket).

Where an event enters:
  ringmon/sources/ (simulator, file, PBXs) call the ``Sink`` in ``pipeline.py``;
  ``push_api.py`` is ``POST /v1/ingest`` (``trial.py``: a batch tried whole before any of it
  is stored); ``validate.py`` turns raw input into an event or a clear refusal.
  ``pipeline.py`` checks, applies to the live state, numbers it and notes whom it concerns
  (``ledger.py``). ``supervisor.py`` starts the sources and restarts them. ``backfill.py``
  writes a source's past days in bulk after today is served (seqs reserved before today's);
  ``backlog.py`` serves today's backlog before it is stored, when the source can make it
  again (the simulator), and stores it behind (``backlog_restart.py``: after a stop).
Where it is stored:
  ``store.py`` (commits in batches off the event loop, checkpoints, retention) over
  ``storage.py`` (SQLite: its connections and writes; ``storage_reads.py`` the queries,
  ``tables.py`` the tables, ``write_batch.py`` what one flush writes); ``tokens.py`` keeps
  the access tokens.
  With ``--log nats://...`` the log is a NATS JetStream stream shared by several hubs
  (``log/``: published where events enter, applied by every hub in stream order; the SQLite
  file is then the hub's index; source leases and shared tokens in JetStream KV).
Where it leaves:
  ``fanout.py`` (each committed batch encoded once, to every feed subscriber),
  ``feed_socket.py`` (the WebSocket feed: catch-up, live frames, heartbeats), ``routes.py``
  (the REST routes; ``access.py`` who may call, ``guards.py``/``limits.py`` bound clients),
  ``queries.py`` (history, call log); ``health.py`` says how the hub is.
Put together by ``core.py`` (``Hub``: the live state and its rooms, ``shared.py`` their common
state) and run by ``server.py`` (``running_hub``, ``HubThread``) and ``command.py``
(``ringmon hub``; settings in ``settings.py`` and ``config_file.py``).
"""
