"""The hub: records what sources report, and serves it (REST snapshot/history + WebSocket).

Where an event enters: ``intake/``. ringmon/sources/ (simulator, file, PBXs) call the
  ``Sink`` of ``intake/pipeline.py``, started and restarted by ``intake/supervisor.py``;
  ``intake/push_api.py`` is ``POST /v1/ingest`` (``trial.py``: a batch tried whole before
  any of it is stored); ``validate.py`` turns raw input into an event or a clear refusal.
  The pipeline checks, applies to the live state, numbers it and notes whom it concerns
  (``ledger.py``). ``backfill.py`` writes a source's past days in bulk after today is served
  (seqs reserved before today's); ``backlog.py`` serves today's backlog before it is stored,
  when the source can make it again (the simulator), and stores it behind
  (``backlog_restart.py``: after a stop). ``directory.py``: who is who, for sources that
  know only SIP accounts.
Where it is stored: ``storage/``. ``store.py`` (commits in batches off the event loop,
  checkpoints, retention) over ``database.py`` (SQLite: its connections and writes;
  ``reads.py`` the queries, ``tables.py`` the tables, ``write_batch.py`` what one flush
  writes, ``checkpoints.py`` the snapshots between the hourly ones).
  With ``--log nats://...`` the log is a NATS JetStream stream shared by several hubs
  (``log/``: published where events enter, applied by every hub in stream order; the SQLite
  file is then the hub's index; source leases and shared tokens in JetStream KV;
  ``log_host.py`` what the log may do to the hub).
Where it leaves: ``serving/``. ``fanout.py`` (each committed batch encoded once, to every
  feed subscriber), ``feed_socket.py`` (the WebSocket feed: catch-up, live frames,
  heartbeats), ``routes.py`` (the REST routes; ``access.py`` and ``tokens.py`` who may call,
  ``guards.py``/``limits.py`` bound clients), ``queries.py`` (history, call log),
  ``replay.py`` (the board at a past moment); ``health.py`` says how the hub is.
Put together by ``core.py`` (``Hub``: the live state and its rooms, ``shared.py`` their common
state, ``clock.py`` real or simulated time) and run by ``server.py`` (``running_hub``,
``HubThread``) and ``command.py`` (``ringmon hub``; settings in ``settings.py`` and
``config_file.py``).
"""
