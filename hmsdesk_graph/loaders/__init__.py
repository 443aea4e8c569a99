"""Per-request DataLoaders, one module per domain; `Loaders` builds them lazily per request."""

from __future__ import annotations


class Loaders:
    """The DataLoaders of one request. Never share an instance between requests."""
