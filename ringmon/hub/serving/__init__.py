"""Where an event leaves the hub: ``fanout.py`` encodes each committed batch once for every
feed subscriber, ``feed_socket.py`` is the WebSocket feed (catch-up, live frames,
heartbeats), ``routes.py`` the REST routes (``queries.py`` history and the call log,
``replay.py`` the board at a past moment, ``health.py`` how the hub is, ``compression.py``
big answers gzipped); who may call (``access.py``, ``tokens.py``) and how much each
connection gets (``guards.py``, ``limits.py``)."""
