"""Partner price-feed ingestion (``hmsdesk-graph ingest-feeds``, DESIGN §8).

fetch (conditional GET) → parse and validate rows → plan against what is stored →
apply in one transaction per feed, anomalies quarantined → FeedRun and report.
"""

from __future__ import annotations

from hmsdesk_graph.ingest.report import FeedReport, IngestReport
from hmsdesk_graph.ingest.run import ingest_feeds
from hmsdesk_graph.ingest.schedule import ingest_forever, parse_every

__all__ = ["FeedReport", "IngestReport", "ingest_feeds", "ingest_forever", "parse_every"]
