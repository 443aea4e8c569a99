"""A small, hand-made dataset with known values, for tests that assert exact answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hmsdesk_graph.db import models
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.db.enums import (
    BookingMode,
    Gender,
    HospitalKind,
    PackageKind,
    ReviewStatus,
    TargetKind,
    Ward,
)
from hmsdesk_graph.db.search_index import refresh_search_columns
from hmsdesk_graph.search.text import forget_vocabulary

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
HOSPITAL_DOCTORS = 120
# The profile practitioner's published ratings: 12 reviews, mean 4.583…, 10 recommend.
PROFILE_RATINGS = [5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4]
PROFILE_RECOMMENDS = [True] * 10 + [False] * 2
SECRET_PHONES = ["+91 98220 11111", "+91 98220 22222", "+91 98220 33333"]


@dataclass
class Dataset:
    """Ids and slugs of what `build_dataset` made."""

    city_ids: dict[str, int] = field(default_factory=dict)
    specialty_ids: dict[str, int] = field(default_factory=dict)
    hospital_id: int = 0
    hospital_slug: str = "aarogya-hospital-kothrud"
    small_hospital_slug: str = "bandra-care-clinic"
    center_slug: str = "pune-diagnostics-kothrud"
    center_id: int = 0
    profile_slug: str = "dr-asha-kulkarni"
    profile_id: int = 0
    lonely_slug: str = "dr-few-reviews"
    doctor_ids: list[int] = field(default_factory=list)


async def build_dataset(cipher: FieldCipher) -> Dataset:
    """Two cities, two hospitals, a diagnostic center, 121 practitioners, packages, reviews."""
    ds = Dataset()
    pune = await models.City.create(
        slug="pune", name="Pune", state="Maharashtra", lat=18.5204, lng=73.8567
    )
    mumbai = await models.City.create(
        slug="mumbai", name="Mumbai", state="Maharashtra", lat=19.076, lng=72.8777
    )
    ds.city_ids = {"pune": pune.pk, "mumbai": mumbai.pk}
    kothrud = await models.Locality.create(
        city=pune, slug="kothrud", name="Kothrud", lat=18.5074, lng=73.8077, zone="pune-west"
    )
    bandra = await models.Locality.create(
        city=mumbai,
        slug="bandra-west",
        name="Bandra West",
        lat=19.0596,
        lng=72.8295,
        zone="mumbai-western-suburbs",
    )
    cardio = await models.Specialty.create(
        slug="cardiologist",
        name="Cardiologist",
        synonyms=["heart specialist"],
        symptoms=["chest pain"],
    )
    derm = await models.Specialty.create(
        slug="dermatologist", name="Dermatologist", synonyms=["skin specialist"], symptoms=["acne"]
    )
    ds.specialty_ids = {"cardiologist": cardio.pk, "dermatologist": derm.pk}
    cbc = await models.LabTest.create(
        slug="cbc",
        name="Complete Blood Count",
        category="Haematology",
        sample_type="Blood",
        parameters_count=24,
    )
    lipid = await models.LabTest.create(
        slug="lipid-profile",
        name="Lipid Profile",
        category="Biochemistry",
        sample_type="Blood",
        fasting_hours=12,
        parameters_count=8,
    )
    partner = await models.Partner.create(slug="aarogya-group", name="Aarogya Group")
    feed = await models.Feed.create(
        partner=partner, url="http://127.0.0.1:8100/feeds/aarogya-group.json", format="JSON"
    )

    hospital = await models.Hospital.create(
        slug=ds.hospital_slug,
        name="Aarogya Hospital Kothrud",
        kind=HospitalKind.HOSPITAL,
        city=pune,
        locality=kothrud,
        partner=partner,
        address="Paud Road, Kothrud, Pune 411038",
        lat=18.507,
        lng=73.807,
        beds=220,
        icu_beds=24,
        established=1998,
        accreditations=[{"name": "NABH", "validUntil": "2027-03-31"}],
        amenities=["Pharmacy", "Parking"],
        open_24x7=True,
        emergency=True,
        phone_ciphertext=cipher.encrypt(SECRET_PHONES[0]),
        phone_hash=cipher.lookup_hash(SECRET_PHONES[0], "phone"),
    )
    ds.hospital_id = hospital.pk
    await models.HospitalSpecialty.create(hospital=hospital, specialty=cardio)
    await models.HospitalSpecialty.create(hospital=hospital, specialty=derm)
    small = await models.Hospital.create(
        slug=ds.small_hospital_slug,
        name="Bandra Care Clinic",
        kind=HospitalKind.CLINIC,
        city=mumbai,
        locality=bandra,
        address="Hill Road, Bandra West, Mumbai",
        lat=19.055,
        lng=72.83,
    )
    center = await models.DiagnosticCenter.create(
        slug=ds.center_slug,
        name="Pune Diagnostics Kothrud",
        city=pune,
        locality=kothrud,
        address="Karve Road, Kothrud, Pune",
        lat=18.503,
        lng=73.81,
        accreditations=[{"name": "NABL", "validUntil": "2027-06-30"}],
        home_collection=True,
        home_collection_fee_paise=10000,
        report_turnaround_hours=12,
        phone_ciphertext=cipher.encrypt(SECRET_PHONES[1]),
        phone_hash=cipher.lookup_hash(SECRET_PHONES[1], "phone"),
    )
    ds.center_id = center.pk

    doctors = []
    for i in range(HOSPITAL_DOCTORS):
        slug = ds.profile_slug if i == 0 else f"dr-doctor-{i:03d}"
        name = "Dr. Asha Kulkarni" if i == 0 else f"Dr. Doctor {i:03d}"
        doctors.append(
            models.Practitioner(
                id=1000 + i,
                slug=slug,
                name=name,
                gender=Gender.FEMALE if i % 2 else Gender.MALE,
                city_id=pune.pk,
                registration_number=f"MMC-{2000 + i}",
                council="Maharashtra Medical Council",
                qualifications=[
                    {
                        "degree": "MBBS",
                        "college": "B. J. Government Medical College, Pune",
                        "year": 2005,
                    }
                ],
                practising_since=2008,
                languages=["English", "Marathi"],
                conditions=["Hypertension"],
                services=["ECG"],
                verified=True,
                phone_ciphertext=cipher.encrypt(SECRET_PHONES[2]),
                phone_hash=cipher.lookup_hash(SECRET_PHONES[2], "phone"),
            )
        )
    doctors.append(
        models.Practitioner(
            id=2000,
            slug=ds.lonely_slug,
            name="Dr. Few Reviews",
            gender=Gender.OTHER,
            city_id=mumbai.pk,
            registration_number="MMC-9999",
            council="Maharashtra Medical Council",
            practising_since=2015,
        )
    )
    await models.Practitioner.bulk_create(doctors)
    ds.profile_id = 1000
    ds.doctor_ids = [d.pk for d in doctors[:HOSPITAL_DOCTORS]]
    await models.PractitionerSpecialty.bulk_create(
        [
            models.PractitionerSpecialty(
                practitioner_id=d.pk,
                specialty_id=(cardio.pk if i % 2 == 0 else derm.pk),
                is_primary=True,
            )
            for i, d in enumerate(doctors)
        ]
    )
    hours = {"MON": [["09:00", "13:00"], ["17:00", "20:00"]], "SAT": [["10:00", "14:00"]]}
    await models.PractitionerRole.bulk_create(
        [
            models.PractitionerRole(
                practitioner_id=d.pk,
                hospital_id=hospital.pk,
                consultation_fee_paise=50000 + 5000 * (i % 7),
                video_fee_paise=40000,
                follow_up_free_days=7,
                weekly_hours=hours,
                booking_mode=BookingMode.INSTANT,
                instant_eligible=True,
            )
            for i, d in enumerate(doctors[:HOSPITAL_DOCTORS])
        ]
        + [
            models.PractitionerRole(
                practitioner_id=2000,
                hospital_id=small.pk,
                consultation_fee_paise=80000,
                booking_mode=BookingMode.REQUEST,
            )
        ]
    )
    packages = []
    for i, d in enumerate(doctors[:HOSPITAL_DOCTORS]):
        for j, kind in enumerate(
            (
                PackageKind.CONSULTATION,
                PackageKind.FOLLOW_UP,
                PackageKind.VIDEO_CONSULTATION,
                PackageKind.CONSULTATION,
            )
        ):
            price = 30000 + 10000 * ((i + j * 3) % 5)
            packages.append(
                models.PricePackage(
                    practitioner_id=d.pk,
                    name=f"{kind.value.title()} {j}",
                    kind=kind,
                    price_min_paise=price,
                    price_max_paise=price,
                    approximate=False,
                )
            )
    # Freshness is judged against the clock, so these are relative to now, not to T0.
    now = datetime.now(UTC)
    fetched = now - timedelta(days=2)
    for ward, factor in ((Ward.GENERAL, 1), (Ward.SEMI_PRIVATE, 2), (Ward.PRIVATE, 3)):
        packages.append(
            models.PricePackage(
                hospital_id=hospital.pk,
                name=f"Knee Replacement ({ward.value})",
                kind=PackageKind.SURGERY_PACKAGE,
                ward=ward,
                setting="INPATIENT",
                procedure="knee-replacement",
                price_min_paise=15000000 * factor,
                price_max_paise=20000000 * factor,
                length_of_stay_days=5,
                feed_id=feed.pk,
                fetched_at=fetched,
                valid_until=now + timedelta(days=365),
            )
        )
    await models.PricePackage.bulk_create(packages)
    cbc_pkg = await models.PricePackage.create(
        diagnostic_center=center,
        name="Complete Blood Count",
        kind=PackageKind.LAB_TEST,
        price_min_paise=35000,
        price_max_paise=35000,
        list_price_paise=50000,
        offer_price_paise=35000,
        feed=feed,
        fetched_at=now - timedelta(days=90),
    )
    health = await models.PricePackage.create(
        diagnostic_center=center,
        name="Basic Health Check",
        kind=PackageKind.HEALTH_PACKAGE,
        price_min_paise=149900,
        price_max_paise=149900,
    )
    await models.PackageLabTest.create(package=cbc_pkg, lab_test=cbc)
    await models.PackageLabTest.create(package=health, lab_test=cbc)
    await models.PackageLabTest.create(package=health, lab_test=lipid)

    reviews = []
    for n, (rating, rec) in enumerate(zip(PROFILE_RATINGS, PROFILE_RECOMMENDS, strict=True)):
        reviews.append(
            models.Review(
                target_kind=TargetKind.PRACTITIONER,
                practitioner_id=ds.profile_id,
                rating=rating,
                recommend=rec,
                text=f"Very caring doctor, visit {n}.",
                author_display_name="Verified patient" if n % 4 == 0 else f"Priya {chr(65 + n)}.",
                anonymous=n % 4 == 0,
                status=ReviewStatus.PUBLISHED,
                created_at=T0 - timedelta(days=n),
                reply_text="Thank you!" if n == 0 else None,
                replied_at=T0 if n == 0 else None,
            )
        )
    for _ in range(2):
        reviews.append(
            models.Review(
                target_kind=TargetKind.PRACTITIONER,
                practitioner_id=ds.profile_id,
                rating=1,
                recommend=False,
                text="pending",
                author_display_name="Rahul K.",
                status=ReviewStatus.PENDING,
                created_at=T0,
            )
        )
    for n, rating in enumerate((5, 3, 4)):
        reviews.append(
            models.Review(
                target_kind=TargetKind.PRACTITIONER,
                practitioner_id=2000,
                rating=rating,
                recommend=True,
                text="ok",
                author_display_name="Anil P.",
                status=ReviewStatus.PUBLISHED,
                created_at=T0 - timedelta(hours=n),
            )
        )
    for n in range(4):
        reviews.append(
            models.Review(
                target_kind=TargetKind.HOSPITAL,
                hospital_id=hospital.pk,
                rating=4,
                recommend=True,
                text="Clean hospital",
                author_display_name="Meera J.",
                status=ReviewStatus.PUBLISHED,
                created_at=T0 - timedelta(days=n),
            )
        )
        reviews.append(
            models.Review(
                target_kind=TargetKind.DIAGNOSTIC_CENTER,
                diagnostic_center_id=center.pk,
                rating=5,
                recommend=True,
                text="Quick report",
                author_display_name="Verified patient",
                anonymous=True,
                status=ReviewStatus.PUBLISHED,
                created_at=T0 - timedelta(days=n),
            )
        )
    for d in doctors[1:HOSPITAL_DOCTORS]:
        reviews.append(
            models.Review(
                target_kind=TargetKind.PRACTITIONER,
                practitioner_id=d.pk,
                rating=4,
                recommend=True,
                text="Good",
                author_display_name="Sunil M.",
                status=ReviewStatus.PUBLISHED,
                created_at=T0,
            )
        )
    await models.Review.bulk_create(reviews)
    await refresh_search_columns()
    forget_vocabulary()
    return ds
