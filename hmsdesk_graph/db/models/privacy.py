"""Records the privacy policy needs: consents per purpose, PII read audit, erasure requests.

None of these rows hold personal values: consents and erasures point at a patient id, audit
rows name the viewer, purpose and object, never the value read.
"""

from tortoise import fields
from tortoise.models import Model

from hmsdesk_graph.db.enums import ConsentPurpose, ErasureStatus
from hmsdesk_graph.db.models.links import link


class Consent(Model):
    """Append-only: the latest row per patient and purpose is the current answer."""

    id = fields.IntField(primary_key=True)
    patient = link("hmsdesk.Patient", fields.CASCADE)
    patient_id: int
    purpose = fields.CharEnumField(ConsentPurpose)
    granted = fields.BooleanField()
    recorded_at = fields.DatetimeField()

    class Meta:
        table = "consent"
        indexes = (("patient_id", "purpose", "recorded_at"),)


class AuditLog(Model):
    """One read of personal data by staff (or any privileged path), with its stated purpose."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField()
    viewer_subject = fields.CharField(max_length=128)
    viewer_role = fields.CharField(max_length=16)
    purpose = fields.CharField(max_length=200, null=True)
    object_type = fields.CharField(max_length=32)
    object_id = fields.IntField()
    fields_read = fields.JSONField(default=list)
    operation = fields.CharField(max_length=128, null=True)

    class Meta:
        table = "audit_log"
        indexes = (("at",), ("object_type", "object_id"))


class ErasureRequest(Model):
    """Erasure queued for a partner service. patient_ref is opaque, never a name."""

    id = fields.IntField(primary_key=True)
    patient_ref = fields.CharField(max_length=64)
    service = fields.CharField(max_length=32)
    status = fields.CharEnumField(ErasureStatus, default=ErasureStatus.QUEUED)
    requested_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    attempts = fields.SmallIntField(default=0)

    class Meta:
        table = "erasure_request"
        indexes = (("status", "requested_at"),)
