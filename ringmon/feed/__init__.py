"""The client side of the feed: REST snapshot + WebSocket follow, reconnect and resume."""
