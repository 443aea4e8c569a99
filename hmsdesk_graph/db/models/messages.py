"""Outbound templated messages and their delivery status.

A row holds the template, an opaque recipient reference and opaque parameters only: no name,
phone number or free text. Rows are the outbox: a worker sends what is due and records how
it went.
"""

from tortoise import fields
from tortoise.models import Model

from hmsdesk_graph.db.enums import DeliveryStatus
from hmsdesk_graph.db.models.links import optional_link


class MessageDelivery(Model):
    id = fields.IntField(primary_key=True)
    appointment = optional_link("hmsdesk.Appointment", fields.SET_NULL)
    appointment_id: int | None
    template = fields.CharField(max_length=48)
    recipient_ref = fields.CharField(max_length=72)
    params = fields.JSONField(default=dict)
    idempotency_key = fields.CharField(max_length=128, unique=True)
    status = fields.CharEnumField(DeliveryStatus, default=DeliveryStatus.QUEUED)
    attempts = fields.SmallIntField(default=0)
    next_attempt_at = fields.DatetimeField()
    message_id = fields.CharField(max_length=128, null=True)
    last_error = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "message_delivery"
        indexes = (("status", "next_attempt_at"),)
