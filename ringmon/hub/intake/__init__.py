"""Where an event enters the hub: from a source (``supervisor.py`` starts them; they call the
``Sink`` of ``pipeline.py``) or the push API (``push_api.py``), checked (``validate.py``,
``trial.py``), applied to the live state, numbered and noted for whom it concerns
(``ledger.py``); past days written in bulk (``backfill.py``) and today's backlog served
before it is stored (``backlog.py``, ``backlog_restart.py``); ``directory.py``: who is who,
for sources that know only SIP accounts."""
