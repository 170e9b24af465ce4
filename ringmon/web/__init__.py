"""``ringmon web``: the TUI served to browsers with textual-serve, one process per tab.

``session`` holds what a browser session is (how the TUI knows it runs in one, and the
environment it gets, without any token of the server's); ``server`` is the web server with its
session cap. Only ``server`` imports textual-serve.
"""
