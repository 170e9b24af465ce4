"""Benchmarks: ``python -m ringmon.bench ingest`` (and more to come). Not timed tests: they
print figures for a person to read and compare."""
