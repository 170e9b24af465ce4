"""Sources: each speaks its own protocol and emits normalised feed events to the hub."""
