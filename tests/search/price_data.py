"""More facilities and prices on top of `build_dataset`, with known values for exact answers.

Pune after this (besides the hand-made dataset's hospital and center in Kothrud):

hospitals   aundh-general-hospital   HOSPITAL      aundh   JCI (NABH lapsed)  24x7, emergency
            baner-nursing-home       NURSING_HOME  baner   NABH               -
            baner-skin-clinic        CLINIC        baner   -                  -
centers     baner-path-labs          baner   NABL + CAP  no home collection  24 h  open 24x7
            aundh-scan-centre        aundh   -           home collection     6 h
            kothrud-lab-point        kothrud CAP         home collection     48 h

CBC (lab test) in Pune: 300, 350 (hand-made), 400, 450 -> min 300, median 375, max 450.
Knee replacement in Pune, GENERAL ward: 150000 (hand-made), 175000.01 -> median 162500.005.
Mumbai gets a cheaper CBC (250) and knee replacement that Pune comparisons must not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import HospitalKind, PackageKind, ReviewStatus, TargetKind, Ward
from hmsdesk_graph.db.search_index import refresh_search_columns
from hmsdesk_graph.search.text import forget_vocabulary
from tests.factories import T0, Dataset

FAR = "2099-12-31"


@dataclass
class PriceData:
    hospital_slugs: list[str]
    center_slugs: list[str]


async def _reviews(target: TargetKind, column: str, owner_id: int, ratings: list[int]) -> None:
    await models.Review.bulk_create(
        [
            models.Review(
                target_kind=target,
                rating=rating,
                recommend=rating >= 4,
                text="Fine",
                author_display_name="Kiran S.",
                status=ReviewStatus.PUBLISHED,
                created_at=T0 - timedelta(days=n),
                **{column: owner_id},
            )
            for n, rating in enumerate(ratings)
        ]
    )


def _package(
    owner: str, owner_id: int, name: str, kind: PackageKind, paise: int, **kw: object
) -> models.PricePackage:
    return models.PricePackage(
        name=name,
        kind=kind,
        price_min_paise=paise,
        price_max_paise=kw.pop("max_paise", paise),
        **{owner: owner_id},
        **kw,
    )


async def build_price_data(ds: Dataset) -> PriceData:
    """Adds the facilities and prices above, then refreshes the search columns."""
    pune = ds.city_ids["pune"]
    kothrud = await models.Locality.get(slug="kothrud")
    bandra = await models.Locality.get(slug="bandra-west")
    baner = await models.Locality.create(
        city_id=pune, slug="baner", name="Baner", lat=18.559, lng=73.7868, zone="pune-west"
    )
    aundh = await models.Locality.create(
        city_id=pune, slug="aundh", name="Aundh", lat=18.558, lng=73.8075, zone="pune-west"
    )
    cardio, derm = ds.specialty_ids["cardiologist"], ds.specialty_ids["dermatologist"]
    cbc = await models.LabTest.get(slug="cbc")
    lipid = await models.LabTest.get(slug="lipid-profile")
    thyroid = await models.LabTest.create(
        slug="thyroid-profile",
        name="Thyroid Profile",
        category="Thyroid",
        sample_type="Blood",
        parameters_count=3,
        synonyms=["TSH test", "T3 T4 TSH"],
    )

    def hospital(slug: str, name: str, kind: HospitalKind, locality: models.Locality, **kw: object):
        return models.Hospital.create(
            slug=slug,
            name=name,
            kind=kind,
            city_id=locality.city_id,
            locality=locality,
            address=f"{locality.name}, {'Pune' if locality.city_id == pune else 'Mumbai'}",
            lat=locality.lat + 0.001,
            lng=locality.lng + 0.001,
            **kw,
        )

    aundh_general = await hospital(
        "aundh-general-hospital",
        "Aundh General Hospital",
        HospitalKind.HOSPITAL,
        aundh,
        beds=300,
        accreditations=[
            {"name": "NABH", "validUntil": "2020-01-31"},
            {"name": "JCI", "validUntil": FAR},
        ],
        open_24x7=True,
        emergency=True,
    )
    nursing = await hospital(
        "baner-nursing-home",
        "Baner Nursing Home",
        HospitalKind.NURSING_HOME,
        baner,
        beds=30,
        accreditations=[{"name": "NABH", "validUntil": FAR}],
    )
    skin = await hospital(
        "baner-skin-clinic", "Baner Skin Clinic", HospitalKind.CLINIC, baner, beds=0
    )
    mumbai_hospital = await hospital(
        "bandra-heart-hospital", "Bandra Heart Hospital", HospitalKind.HOSPITAL, bandra
    )
    await models.HospitalSpecialty.bulk_create(
        [
            models.HospitalSpecialty(hospital_id=aundh_general.pk, specialty_id=cardio),
            models.HospitalSpecialty(hospital_id=nursing.pk, specialty_id=derm),
            models.HospitalSpecialty(hospital_id=skin.pk, specialty_id=derm),
            models.HospitalSpecialty(hospital_id=mumbai_hospital.pk, specialty_id=cardio),
        ]
    )

    def center(slug: str, name: str, locality: models.Locality, **kw: object):
        return models.DiagnosticCenter.create(
            slug=slug,
            name=name,
            city_id=locality.city_id,
            locality=locality,
            address=f"{locality.name}",
            lat=locality.lat - 0.001,
            lng=locality.lng - 0.001,
            **kw,
        )

    path_labs = await center(
        "baner-path-labs",
        "Baner Path Labs",
        baner,
        accreditations=[{"name": "NABL", "validUntil": FAR}, {"name": "CAP", "validUntil": FAR}],
        home_collection=False,
        report_turnaround_hours=24,
        open_24x7=True,
    )
    scan = await center(
        "aundh-scan-centre",
        "Aundh Scan Centre",
        aundh,
        home_collection=True,
        home_collection_fee_paise=5000,
        report_turnaround_hours=6,
    )
    point = await center(
        "kothrud-lab-point",
        "Kothrud Lab Point",
        kothrud,
        accreditations=[{"name": "CAP", "validUntil": FAR}],
        home_collection=True,
        report_turnaround_hours=48,
    )
    bandra_lab = await center("bandra-diagnostics", "Bandra Diagnostics", bandra)

    lab = PackageKind.LAB_TEST
    tests = [
        (path_labs, cbc, 30000, {}),
        (path_labs, lipid, 60000, {}),
        (path_labs, thyroid, 55000, {}),
        (scan, cbc, 40000, {"approximate": False}),
        (scan, lipid, 70000, {}),
        (point, cbc, 45000, {"list_price_paise": 60000, "offer_price_paise": 45000}),
        (bandra_lab, cbc, 25000, {}),
    ]
    packages = [
        _package("diagnostic_center_id", c.pk, t.name, lab, price, **kw)
        for c, t, price, kw in tests
    ]
    packages.append(
        _package(
            "diagnostic_center_id",
            point.pk,
            "Full Body Checkup",
            PackageKind.HEALTH_PACKAGE,
            199900,
            list_price_paise=249900,
            offer_price_paise=199900,
        )
    )
    surgery = PackageKind.SURGERY_PACKAGE
    for owner, ward, low, high in (
        (aundh_general.pk, Ward.GENERAL, 17500001, 22000000),
        (aundh_general.pk, Ward.ICU, 40000000, 45000000),
        (mumbai_hospital.pk, Ward.GENERAL, 10000000, 12000000),
    ):
        packages.append(
            _package(
                "hospital_id",
                owner,
                f"Knee Replacement ({ward.value})",
                surgery,
                low,
                max_paise=high,
                ward=ward,
                setting="INPATIENT",
                procedure="knee-replacement",
            )
        )
    await models.PricePackage.bulk_create(packages)
    saved = {
        (p.diagnostic_center_id, p.name): p
        for p in await models.PricePackage.filter(diagnostic_center_id__not_isnull=True)
    }
    links = [
        models.PackageLabTest(package_id=saved[(c.pk, t.name)].pk, lab_test_id=t.pk)
        for c, t, _, _ in tests
    ]
    full_body = saved[(point.pk, "Full Body Checkup")]
    links += [
        models.PackageLabTest(package_id=full_body.pk, lab_test_id=t.pk) for t in (cbc, thyroid)
    ]
    await models.PackageLabTest.bulk_create(links)

    await _reviews(TargetKind.HOSPITAL, "hospital_id", aundh_general.pk, [5, 5, 5, 4, 4, 5])
    await _reviews(TargetKind.HOSPITAL, "hospital_id", nursing.pk, [3])
    await _reviews(TargetKind.DIAGNOSTIC_CENTER, "diagnostic_center_id", path_labs.pk, [4, 4])
    await _reviews(TargetKind.DIAGNOSTIC_CENTER, "diagnostic_center_id", scan.pk, [3, 4, 5])
    await refresh_search_columns()
    forget_vocabulary()
    return PriceData(
        hospital_slugs=[aundh_general.slug, nursing.slug, skin.slug],
        center_slugs=[path_labs.slug, scan.slug, point.slug],
    )


async def build_crowd(ds: Dataset, n: int = 110) -> None:
    """`n` more Pune clinics and CBC-pricing centers, so pages of 5, 20 and 100 differ."""
    baner = await models.Locality.get(slug="baner")
    cbc = await models.LabTest.get(slug="cbc")
    feed = await models.Feed.first()
    assert feed is not None
    await models.Hospital.bulk_create(
        [
            models.Hospital(
                slug=f"crowd-clinic-{i:03d}",
                name=f"Crowd Clinic {i:03d}",
                kind=HospitalKind.CLINIC,
                city_id=baner.city_id,
                locality_id=baner.pk,
                address="Baner, Pune",
                lat=baner.lat,
                lng=baner.lng,
            )
            for i in range(n)
        ]
    )
    await models.DiagnosticCenter.bulk_create(
        [
            models.DiagnosticCenter(
                slug=f"crowd-lab-{i:03d}",
                name=f"Crowd Lab {i:03d}",
                city_id=baner.city_id,
                locality_id=baner.pk,
                address="Baner, Pune",
                lat=baner.lat,
                lng=baner.lng,
            )
            for i in range(n)
        ]
    )
    clinics = await models.Hospital.filter(slug__startswith="crowd-clinic-").order_by("id")
    labs = await models.DiagnosticCenter.filter(slug__startswith="crowd-lab-").order_by("id")
    await models.HospitalSpecialty.bulk_create(
        [
            models.HospitalSpecialty(
                hospital_id=h.pk, specialty_id=ds.specialty_ids["dermatologist"]
            )
            for h in clinics
        ]
    )
    await models.PricePackage.bulk_create(
        [
            _package("hospital_id", h.pk, "Consultation", PackageKind.CONSULTATION, 50000 + i)
            for i, h in enumerate(clinics)
        ]
        + [
            _package(
                "diagnostic_center_id",
                c.pk,
                cbc.name,
                PackageKind.LAB_TEST,
                20000 + 100 * i,
                feed_id=feed.pk,
                external_ref=f"crowd-cbc-{i:03d}",
            )
            for i, c in enumerate(labs)
        ]
    )
    packages = await models.PricePackage.filter(external_ref__startswith="crowd-cbc-")
    await models.PackageLabTest.bulk_create(
        [models.PackageLabTest(package_id=p.pk, lab_test_id=cbc.pk) for p in packages]
    )
    await refresh_search_columns(
        hospital_ids=[h.pk for h in clinics], center_ids=[c.pk for c in labs]
    )
