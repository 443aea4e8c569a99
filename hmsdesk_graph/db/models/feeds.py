"""Partner price feeds and the record of each ingestion run."""

from tortoise import fields
from tortoise.models import Model

from hmsdesk_graph.db.enums import FeedFormat, FeedRunStatus, FeedStatus


class Feed(Model):
    id = fields.IntField(primary_key=True)
    partner = fields.ForeignKeyField(
        "hmsdesk.Partner", related_name=False, on_delete=fields.CASCADE
    )
    partner_id: int
    hospital = fields.ForeignKeyField(
        "hmsdesk.Hospital", related_name=False, null=True, on_delete=fields.CASCADE
    )
    hospital_id: int | None
    diagnostic_center = fields.ForeignKeyField(
        "hmsdesk.DiagnosticCenter", related_name=False, null=True, on_delete=fields.CASCADE
    )
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
    feed = fields.ForeignKeyField("hmsdesk.Feed", related_name=False, on_delete=fields.CASCADE)
    feed_id: int
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    status = fields.CharEnumField(FeedRunStatus, default=FeedRunStatus.RUNNING)
    rows_read = fields.IntField(default=0)
    rows_upserted = fields.IntField(default=0)
    rows_rejected = fields.IntField(default=0)
    rows_quarantined = fields.IntField(default=0)
    report = fields.JSONField(default=dict)

    class Meta:
        table = "feed_run"
        indexes = (("feed_id", "started_at"),)
