"""The hub: records what sources report, and serves it (REST snapshot/history + WebSocket)."""
