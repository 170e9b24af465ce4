"""Where an event is stored: ``store.py`` commits in batches off the event loop, keeps
checkpoints (``checkpoints.py``) and retention, over the SQLite file of ``database.py``
(``tables.py`` its tables and migrations, ``write_batch.py`` what one flush writes,
``reads.py`` the queries, from any thread)."""
