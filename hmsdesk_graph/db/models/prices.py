"""Price packages: consultation fees, lab tests, health packages, procedures and room rents.

Money is integer paise. A package has exactly one owner (CHECK constraint); partner-provided
prices are approximate by default and carry their source feed and freshness.
"""

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from hmsdesk_graph.db.enums import CareSetting, PackageKind, Ward
from hmsdesk_graph.db.models.links import EXACTLY_ONE_OWNER, ProviderOwned, link, optional_link


class PricePackage(ProviderOwned):
    name = fields.CharField(max_length=200)
    kind = fields.CharEnumField(PackageKind)
    ward = fields.CharEnumField(Ward, null=True)
    setting = fields.CharEnumField(CareSetting, null=True)
    procedure = fields.CharField(max_length=96, null=True)  # procedure slug, for comparisons
    price_min_paise = fields.BigIntField()
    price_max_paise = fields.BigIntField()
    list_price_paise = fields.BigIntField(null=True)
    offer_price_paise = fields.BigIntField(null=True)
    currency = fields.CharField(max_length=3, default="INR")
    approximate = fields.BooleanField(default=True)
    length_of_stay_days = fields.SmallIntField(null=True)
    external_ref = fields.CharField(max_length=96, null=True)  # the partner feed's row key
    feed = optional_link("hmsdesk.Feed", fields.SET_NULL)
    feed_id: int | None
    fetched_at = fields.DatetimeField(null=True)
    valid_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "price_package"
        indexes = (
            ("practitioner_id", "kind", "price_min_paise", "id"),
            ("hospital_id", "kind", "price_min_paise", "id"),
            ("diagnostic_center_id", "kind", "price_min_paise", "id"),
            ("kind", "ward", "price_min_paise"),
            ("procedure", "ward"),
        )
        unique_together = (("feed", "external_ref"),)
        constraints = (
            CheckConstraint(check=EXACTLY_ONE_OWNER, name="price_package_one_owner"),
            CheckConstraint(
                check="price_min_paise >= 0 AND price_max_paise >= price_min_paise",
                name="price_package_range",
            ),
        )


class PackageLabTest(Model):
    """A lab test included in a package (a single test is a package with one)."""

    id = fields.IntField(primary_key=True)
    package = link("hmsdesk.PricePackage", fields.CASCADE)
    package_id: int
    lab_test = link("hmsdesk.LabTest", fields.RESTRICT)
    lab_test_id: int

    class Meta:
        table = "package_lab_test"
        unique_together = (("package", "lab_test"),)
        indexes = (("lab_test_id", "package_id"),)
