"""Reach: partner accounts, campaigns, listing events and their daily roll-ups.

Events and stats never hold personal data: no patient, no IP address, no free text.
"""

from tortoise import fields
from tortoise.models import Model

from hmsdesk_graph.db.enums import CampaignStatus, Channel, EventKind, TargetKind
from hmsdesk_graph.db.models.links import link, optional_link


class Partner(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=96, unique=True)
    name = fields.CharField(max_length=160)
    email_ciphertext = fields.TextField(null=True)
    email_hash = fields.CharField(max_length=64, null=True, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "partner"


class Campaign(Model):
    id = fields.IntField(primary_key=True)
    partner = link("hmsdesk.Partner", fields.CASCADE)
    partner_id: int
    name = fields.CharField(max_length=160)
    target_kind = fields.CharEnumField(TargetKind)
    target_id = fields.IntField()
    city = link("hmsdesk.City", fields.RESTRICT)
    city_id: int
    zone = fields.CharField(max_length=32, null=True)
    locality_ids = fields.JSONField(default=list)
    specialty = optional_link("hmsdesk.Specialty", fields.RESTRICT)
    specialty_id: int | None
    committed_impressions = fields.IntField()
    delivered_impressions = fields.IntField(default=0)
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    status = fields.CharEnumField(CampaignStatus, default=CampaignStatus.ACTIVE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "campaign"
        indexes = (("city_id", "specialty_id", "status"), ("partner_id",))


class ListingEvent(Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharEnumField(EventKind)
    occurred_at = fields.DatetimeField()
    target_kind = fields.CharEnumField(TargetKind)
    target_id = fields.IntField()
    campaign_id = fields.IntField(null=True)
    channel = fields.CharEnumField(Channel, default=Channel.WEB)
    city_id = fields.IntField(null=True)
    position = fields.SmallIntField(null=True)

    class Meta:
        table = "listing_event"
        # Read by time only (the roll-up); an index by target cost most of each insert.
        indexes = (("occurred_at",),)


class DailyStat(Model):
    id = fields.BigIntField(primary_key=True)
    day = fields.DateField()
    kind = fields.CharEnumField(EventKind)
    target_kind = fields.CharEnumField(TargetKind)
    target_id = fields.IntField()
    campaign_id = fields.IntField(default=0)  # 0: organic, so the unique key has no NULL
    channel = fields.CharEnumField(Channel)
    city_id = fields.IntField(default=0)
    count = fields.IntField(default=0)
    position_sum = fields.BigIntField(default=0)
    # How many of `count` carried a position (first-page impressions): the average's divisor.
    position_count = fields.IntField(default=0)

    class Meta:
        table = "daily_stat"
        unique_together = (
            ("target_kind", "target_id", "day", "kind", "campaign_id", "channel", "city_id"),
        )
        indexes = (("day",),)
