"""Providers: practitioners, hospitals / clinics, diagnostic centers and practices (roles).

Private contact columns hold ciphertext (see ``db.crypto``) and a keyed hash for lookup; they
never leave the API as stored.
"""

from tortoise import fields
from tortoise.models import Model

from hmsdesk_graph.db.enums import BookingMode, Gender, HospitalKind, PractitionerStatus
from hmsdesk_graph.db.models.links import link, optional_link


class Listed:
    """The columns every provider has: its page, its city, its partner, its private phone
    (ciphertext and lookup hash), published-review counts and row times."""

    slug = fields.CharField(max_length=128, unique=True)
    city = link("hmsdesk.City", fields.RESTRICT)
    city_id: int
    partner = optional_link("hmsdesk.Partner", fields.SET_NULL)
    partner_id: int | None
    phone_ciphertext = fields.TextField(null=True)
    phone_hash = fields.CharField(max_length=64, null=True, db_index=True)
    # Kept in step by review publishing; review summaries read them.
    rating_count = fields.IntField(default=0)
    rating_sum = fields.IntField(default=0)
    recommend_count = fields.IntField(default=0)
    search_text = fields.TextField(null=True)  # derived by db.search_index.refresh()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)


class Facility(Listed):
    """The columns a hospital and a diagnostic center share besides: where it is, its name."""

    name = fields.CharField(max_length=160)
    locality = link("hmsdesk.Locality", fields.RESTRICT)
    locality_id: int
    address = fields.TextField()
    lat = fields.FloatField()
    lng = fields.FloatField()
    accreditations = fields.JSONField(default=list)  # [{name, validUntil}]
    open_24x7 = fields.BooleanField(default=False)


class Practitioner(Listed, Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128)
    gender = fields.CharEnumField(Gender)
    registration_number = fields.CharField(max_length=32)
    council = fields.CharField(max_length=96)
    qualifications = fields.JSONField(default=list)  # [{degree, college, year}]
    practising_since = fields.SmallIntField()
    languages = fields.JSONField(default=list)
    conditions = fields.JSONField(default=list)
    services = fields.JSONField(default=list)
    about = fields.TextField(default="")
    verified = fields.BooleanField(default=False)
    status = fields.CharEnumField(PractitionerStatus, default=PractitionerStatus.ACTIVE)
    email_ciphertext = fields.TextField(null=True)
    email_hash = fields.CharField(max_length=64, null=True, db_index=True)
    # Search columns, derived from practices and specialties by db.search_index.refresh().
    min_fee_paise = fields.BigIntField(null=True)
    video_consult = fields.BooleanField(null=True)
    instant_booking = fields.BooleanField(null=True)
    available_days = fields.SmallIntField(null=True)  # bit 0 = Monday … bit 6 = Sunday
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)

    class Meta:
        table = "practitioner"
        indexes = (("city_id", "status", "name", "id"), ("name", "id"))


class PractitionerSpecialty(Model):
    id = fields.IntField(primary_key=True)
    practitioner = link("hmsdesk.Practitioner", fields.CASCADE)
    practitioner_id: int
    specialty = link("hmsdesk.Specialty", fields.RESTRICT)
    specialty_id: int
    is_primary = fields.BooleanField(default=False)

    class Meta:
        table = "practitioner_specialty"
        unique_together = (("practitioner", "specialty"),)
        indexes = (("specialty_id", "practitioner_id"),)


class Hospital(Facility, Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(HospitalKind)
    beds = fields.IntField(default=0)
    icu_beds = fields.IntField(default=0)
    established = fields.SmallIntField(null=True)
    amenities = fields.JSONField(default=list)
    emergency = fields.BooleanField(default=False)

    class Meta:
        table = "hospital"
        indexes = (("city_id", "name", "id"), ("locality_id",))


class HospitalSpecialty(Model):
    id = fields.IntField(primary_key=True)
    hospital = link("hmsdesk.Hospital", fields.CASCADE)
    hospital_id: int
    specialty = link("hmsdesk.Specialty", fields.RESTRICT)
    specialty_id: int

    class Meta:
        table = "hospital_specialty"
        unique_together = (("hospital", "specialty"),)
        indexes = (("specialty_id", "hospital_id"),)


class PractitionerRole(Model):
    """A practitioner at a hospital or clinic: the bookable unit."""

    id = fields.IntField(primary_key=True)
    practitioner = link("hmsdesk.Practitioner", fields.CASCADE)
    practitioner_id: int
    hospital = link("hmsdesk.Hospital", fields.CASCADE)
    hospital_id: int
    consultation_fee_paise = fields.BigIntField()
    video_fee_paise = fields.BigIntField(null=True)
    follow_up_free_days = fields.SmallIntField(default=0)
    weekly_hours = fields.JSONField(default=dict)  # {"MON": [["09:00", "13:00"]], ...}
    slot_minutes = fields.SmallIntField(default=15)
    slot_capacity = fields.SmallIntField(default=1)
    booking_mode = fields.CharEnumField(BookingMode, default=BookingMode.REQUEST)
    instant_eligible = fields.BooleanField(default=False)
    phone_ciphertext = fields.TextField(null=True)
    phone_hash = fields.CharField(max_length=64, null=True, db_index=True)

    class Meta:
        table = "practitioner_role"
        unique_together = (("practitioner", "hospital"),)
        indexes = (("hospital_id", "practitioner_id"),)


class DiagnosticCenter(Facility, Model):
    id = fields.IntField(primary_key=True)
    home_collection = fields.BooleanField(default=False)
    home_collection_fee_paise = fields.BigIntField(null=True)
    report_turnaround_hours = fields.SmallIntField(default=24)
    # Sample collection, booked per window: {"MON": [["07:00", "13:00"]], ...} (IST). NULL: no
    # hours published (only a 24x7 center is bookable then). Nullable columns because
    # tortoise's AddField cannot add NOT NULL columns to a table that has rows.
    weekly_hours = fields.JSONField(null=True)
    collection_window_minutes = fields.SmallIntField(null=True, default=60)
    collection_capacity = fields.SmallIntField(null=True, default=4)  # visits per window
    home_collection_capacity = fields.SmallIntField(null=True, default=2)  # per window

    class Meta:
        table = "diagnostic_center"
        indexes = (("city_id", "name", "id"), ("locality_id",))
