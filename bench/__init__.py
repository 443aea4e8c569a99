"""The HMSDESK Graph load benchmark: ``python -m bench --help``.

It seeds (or reuses) a database, starts ``hmsdesk-graph serve`` as a separate process, drives
every named operation of ``schema/operations`` at fixed concurrencies for a fixed time and
reports req/s, latency percentiles, SQL statements per request and the server's memory. It is a
benchmark, not a test: nothing here asserts a time.
"""
