"""Ingestion tests: a real migrated database and the real partner sandbox on 127.0.0.1."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import FeedFormat
from hmsdesk_graph.ingest import IngestReport, ingest_feeds
from hmsdesk_graph.sandbox import RunningSandbox
from hmsdesk_graph.sandbox.pricelists import LAB_TESTS


@dataclass
class World:
    """A city, one partner, the sandbox's lab-test catalogue, and helpers to add feeds."""

    settings: Settings
    sandbox: RunningSandbox
    city: models.City
    locality: models.Locality
    partner: models.Partner
    lab_test_ids: dict[str, int] = field(default_factory=dict)
    progress: io.StringIO = field(default_factory=io.StringIO)

    async def center(self, slug: str) -> models.DiagnosticCenter:
        return await models.DiagnosticCenter.create(
            slug=slug,
            name=slug.replace("-", " ").title(),
            city=self.city,
            locality=self.locality,
            partner=self.partner,
            address="Karve Road, Kothrud, Pune",
            lat=18.50,
            lng=73.81,
        )

    async def hospital(self, slug: str) -> models.Hospital:
        return await models.Hospital.create(
            slug=slug,
            name=slug.replace("-", " ").title(),
            kind="HOSPITAL",
            city=self.city,
            locality=self.locality,
            partner=self.partner,
            address="Paud Road, Kothrud, Pune",
            lat=18.51,
            lng=73.80,
        )

    async def feed(self, slug: str, fmt: str = "json", **owner: Any) -> models.Feed:
        """A feed of the sandbox's ``/feeds/{slug}.{fmt}``, owned by a new center or hospital
        (named after the slug) unless ``hospital=`` / ``diagnostic_center=`` is given."""
        if not owner:
            owner = (
                {"diagnostic_center": await self.center(slug)}
                if "lab" in slug
                else {"hospital": await self.hospital(slug)}
            )
        return await models.Feed.create(
            partner=self.partner,
            url=f"{self.sandbox.url}/feeds/{slug}.{fmt}",
            format=FeedFormat.CSV if fmt == "csv" else FeedFormat.JSON,
            **owner,
        )

    async def bump(self, slug: str) -> None:
        """New prices for ``slug`` through the sandbox's control route."""
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.sandbox.url}/_control/feeds/{slug}/bump") as response,
        ):
            assert response.status == 200

    async def ingest(self, **kwargs: Any) -> IngestReport:
        return await ingest_feeds(self.settings, out=self.progress, **kwargs)


@pytest.fixture
async def world(db: Settings, sandbox: RunningSandbox) -> World:
    city = await models.City.create(
        slug="pune", name="Pune", state="Maharashtra", lat=18.52, lng=73.86
    )
    locality = await models.Locality.create(
        city=city, slug="kothrud", name="Kothrud", lat=18.51, lng=73.81, zone="pune-west"
    )
    partner = await models.Partner.create(slug="feed-partner", name="Feed Partner")
    built = World(db, sandbox, city, locality, partner)
    for slug, name, _ in LAB_TESTS:
        test = await models.LabTest.create(
            slug=slug, name=name, category="Pathology", sample_type="Blood"
        )
        built.lab_test_ids[slug] = test.pk
    return built


async def packages(feed: models.Feed) -> dict[str, dict[str, Any]]:
    """The feed's price_package rows by external_ref, every column."""
    rows = await models.PricePackage.filter(feed_id=feed.pk).values()
    return {str(row["external_ref"]): row for row in rows}
