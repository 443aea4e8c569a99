"""Operability: structured logs, Prometheus metrics, tracing, progress output for long
commands, CSV output of `query`."""
