"""Partner price feeds, the record of each ingestion run, and quarantined feed rows."""

from tortoise import fields
from tortoise.models import Model

from hmsdesk_graph.db.enums import FeedFormat, FeedRunStatus, FeedStatus
from hmsdesk_graph.db.models.links import link, optional_link


class Feed(Model):
    id = fields.IntField(primary_key=True)
    partner = link("hmsdesk.Partner", fields.CASCADE)
    partner_id: int
    hospital = optional_link("hmsdesk.Hospital", fields.CASCADE)
    hospital_id: int | None
    diagnostic_center = optional_link("hmsdesk.DiagnosticCenter", fields.CASCADE)
    diagnostic_center_id: int | None
    url = fields.CharField(max_length=500)
    format = fields.CharEnumField(FeedFormat)
    etag = fields.CharField(max_length=200, null=True)
    status = fields.CharEnumField(FeedStatus, default=FeedStatus.ACTIVE)
    last_error = fields.TextField(null=True)
    last_fetched_at = fields.DatetimeField(null=True)

    class Meta:
        table = "feed"


class FeedRun(Model):
    id = fields.IntField(primary_key=True)
    feed = link("hmsdesk.Feed", fields.CASCADE)
    feed_id: int
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    status = fields.CharEnumField(FeedRunStatus, default=FeedRunStatus.RUNNING)
    rows_read = fields.IntField(default=0)
    rows_upserted = fields.IntField(default=0)
    rows_rejected = fields.IntField(default=0)
    rows_quarantined = fields.IntField(default=0)
    # Rows identical to what is stored (left alone) and stored rows the feed no longer lists.
    # A database default too, so adding the columns to a table with rows works on SQLite.
    rows_unchanged = fields.IntField(default=0, db_default=0)
    rows_stale = fields.IntField(default=0, db_default=0)
    error = fields.TextField(null=True)  # why a FAILED run failed (no URL, no row values)
    report = fields.JSONField(default=dict)

    class Meta:
        table = "feed_run"
        indexes = (("feed_id", "started_at"),)


class QuarantinedPrice(Model):
    """A feed row held back from price_package for review, never served.

    One row per feed and external_ref: the latest anomalous price the feed sent for it (a
    jump of more than half against the stored price, or a minimum above the maximum). It
    goes away when the feed sends an acceptable price for that row again.
    """

    id = fields.IntField(primary_key=True)
    feed = link("hmsdesk.Feed", fields.CASCADE)
    feed_id: int
    feed_run = optional_link("hmsdesk.FeedRun", fields.SET_NULL)
    feed_run_id: int | None  # the run that first sent this proposal
    external_ref = fields.CharField(max_length=96)
    line = fields.IntField()  # CSV line, or position in a JSON feed's rows (1-based)
    reason = fields.CharField(max_length=32)  # PRICE_JUMP or MIN_ABOVE_MAX
    detail = fields.CharField(max_length=200)
    price_min_paise = fields.BigIntField()
    price_max_paise = fields.BigIntField()
    previous_min_paise = fields.BigIntField(null=True)
    previous_max_paise = fields.BigIntField(null=True)
    proposal = fields.JSONField(default=dict)  # the whole validated row, to accept it later
    quarantined_at = fields.DatetimeField()

    class Meta:
        table = "quarantined_price"
        unique_together = (("feed", "external_ref"),)
