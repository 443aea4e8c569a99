"""What an ingestion did, per feed and overall: the printed report and FeedRun.report JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hmsdesk_graph.db.enums import FeedRunStatus
from hmsdesk_graph.ingest.plan import Quarantined
from hmsdesk_graph.ingest.rows import RowError

# FeedRun.report keeps at most this many row errors / quarantined rows (a broken 100k-row
# feed must not make a 100k-entry JSON document); the counts are always complete.
MAX_LISTED = 500
# The printed report shows at most this many lines of each per feed.
MAX_PRINTED = 20


def rupees(paise: int | None) -> str:
    """₹ with two decimals, from integer paise (exact: no float)."""
    if paise is None:
        return "-"
    return f"₹{paise // 100:,}.{paise % 100:02d}"


@dataclass
class FeedReport:
    """One feed's run: counts, timings and what went wrong."""

    feed_id: int
    run_id: int
    owner: str
    format: str
    status: FeedRunStatus = FeedRunStatus.RUNNING
    http_status: int | None = None
    etag: str | None = None
    bytes: int = 0
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    stale: int = 0
    errors: list[RowError] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    error: str | None = None
    fetch_s: float = 0.0
    parse_s: float = 0.0
    apply_s: float = 0.0
    seconds: float = 0.0

    @property
    def upserted(self) -> int:
        return self.inserted + self.updated

    @property
    def rows_per_s(self) -> float | None:
        busy = self.parse_s + self.apply_s
        return self.rows_read / busy if self.rows_read and busy > 0 else None

    @property
    def changed_nothing(self) -> bool:
        return self.upserted == 0 and self.stale == 0

    @property
    def line_word(self) -> str:
        return "line" if self.format == "csv" else "row"

    def to_json(self) -> dict[str, Any]:
        """The FeedRun.report document."""
        return {
            "format": self.format,
            "http_status": self.http_status,
            "etag": self.etag,
            "bytes": self.bytes,
            "rows": {
                "read": self.rows_read,
                "inserted": self.inserted,
                "updated": self.updated,
                "unchanged": self.unchanged,
                "rejected": self.rejected,
                "quarantined": len(self.quarantined),
                "stale": self.stale,
            },
            "no_op": self.changed_nothing,
            "errors": [e.to_json() for e in self.errors[:MAX_LISTED]],
            "errors_not_listed": max(0, len(self.errors) - MAX_LISTED),
            "quarantined": [_quarantined_json(q) for q in self.quarantined[:MAX_LISTED]],
            "seconds": {
                "fetch": round(self.fetch_s, 4),
                "parse": round(self.parse_s, 4),
                "apply": round(self.apply_s, 4),
                "total": round(self.seconds, 4),
            },
            "error": self.error,
        }

    def lines(self) -> list[str]:
        rate = self.rows_per_s
        shown_rate = f"{rate:,.0f}" if rate is not None else "-"
        summary = (
            f"{self.feed_id:>5}  {self.owner[:28]:<28} {self.format:<4} {self.status.value:<12}"
            f" {self.rows_read:>7} {self.upserted:>8} {self.unchanged:>9} {self.rejected:>8}"
            f" {len(self.quarantined):>11} {self.stale:>5} {shown_rate:>9} {self.seconds:>7.2f}s"
        )
        out = [summary]
        if self.error:
            out.append(f"{'':7}error: {self.error}")
        for row_error in self.errors[:MAX_PRINTED]:
            ref = f" {row_error.external_ref}" if row_error.external_ref else ""
            out.append(f"{'':7}{self.line_word} {row_error.line}{ref}: {row_error.describe()}")
        if len(self.errors) > MAX_PRINTED:
            more = len(self.errors) - MAX_PRINTED
            out.append(f"{'':7}… {more} more rejected rows (FeedRun {self.run_id} lists them)")
        for held in self.quarantined[:MAX_PRINTED]:
            row = held.row
            was = held.previous
            prices = f"{rupees(row.price_min_paise)}-{rupees(row.price_max_paise)}"
            if was is not None:
                before = f"{rupees(was.price_min_paise)}-{rupees(was.price_max_paise)}"
                prices = f"{before} → {prices}"
            out.append(
                f"{'':7}quarantined {self.line_word} {row.line} {row.external_ref}:"
                f" {held.anomaly.reason.value} {held.anomaly.detail} ({prices})"
            )
        if len(self.quarantined) > MAX_PRINTED:
            more = len(self.quarantined) - MAX_PRINTED
            out.append(f"{'':7}… {more} more quarantined rows (see quarantined_price)")
        return out


def _quarantined_json(held: Quarantined) -> dict[str, Any]:
    previous = held.previous
    return {
        "line": held.row.line,
        "ref": held.row.external_ref,
        "reason": held.anomaly.reason.value,
        "detail": held.anomaly.detail,
        "price_min_paise": held.row.price_min_paise,
        "price_max_paise": held.row.price_max_paise,
        "previous_min_paise": None if previous is None else previous.price_min_paise,
        "previous_max_paise": None if previous is None else previous.price_max_paise,
    }


@dataclass
class IngestReport:
    """Every feed of one ``ingest_feeds`` call."""

    feeds: list[FeedReport] = field(default_factory=list)
    seconds: float = 0.0
    concurrency: int = 1
    peak_concurrency: int = 0  # most feeds in flight at once, as observed

    def count(self, status: FeedRunStatus) -> int:
        return sum(1 for f in self.feeds if f.status == status)

    @property
    def ok(self) -> bool:
        """No feed failed (the exit status of the command)."""
        return self.count(FeedRunStatus.FAILED) == 0

    def format(self) -> str:
        """The per-feed report, as printed by ``hmsdesk-graph ingest-feeds``."""
        head = (
            f"Feed ingestion: {len(self.feeds)} feeds in {self.seconds:.2f}s"
            f" (concurrency {self.concurrency}): {self.count(FeedRunStatus.SUCCEEDED)} applied,"
            f" {self.count(FeedRunStatus.NOT_MODIFIED)} not modified,"
            f" {self.count(FeedRunStatus.FAILED)} failed"
        )
        if not self.feeds:
            return head + "\n"
        columns = (
            f"{'feed':>5}  {'owner':<28} {'fmt':<4} {'status':<12} {'read':>7} {'upserted':>8}"
            f" {'unchanged':>9} {'rejected':>8} {'quarantined':>11} {'stale':>5}"
            f" {'rows/s':>9} {'time':>8}"
        )
        lines = [head, "", columns]
        for feed in self.feeds:
            lines += feed.lines()
        return "\n".join(lines) + "\n"
