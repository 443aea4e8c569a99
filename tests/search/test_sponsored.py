"""Sponsored slots: at most two labelled edges above page 1; organic results untouched."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import CampaignStatus, EventKind, TargetKind
from hmsdesk_graph.reach.clock import today_ist
from tests.conftest import GraphQLClient
from tests.factories import Dataset

SEARCH = """
query S($query: String, $after: String, $first: Int = 10, $filter: PractitionerSearchFilter) {
  searchPractitioners(city: "pune", query: $query, first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor sponsored node { slug } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def _campaign(ds: Dataset, doctor: int, specialty: str | None, **kw: Any) -> models.Campaign:
    partner = await models.Partner.get(slug="aarogya-group")
    today = today_ist()  # the app counts campaign days in IST
    values: dict[str, Any] = {
        "partner": partner,
        "name": f"Promote {doctor}",
        "target_kind": TargetKind.PRACTITIONER,
        "target_id": 1000 + doctor,
        "city_id": ds.city_ids["pune"],
        "specialty_id": ds.specialty_ids[specialty] if specialty else None,
        "committed_impressions": 1000,
        "starts_on": today - timedelta(days=1),
        "ends_on": today + timedelta(days=30),
    }
    values.update(kw)
    return await models.Campaign.create(**values)


async def _search(gql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    body = await gql.execute(SEARCH, variables)
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]["searchPractitioners"]
    return result


def _organic(result: dict[str, Any]) -> list[str]:
    return [e["node"]["slug"] for e in result["edges"] if not e["sponsored"]]


async def test_sponsored_edges_never_change_organic_results(
    gql: GraphQLClient, dataset: Dataset
) -> None:
    before_1 = await _search(gql, query="cardiologist")
    before_2 = await _search(gql, query="cardiologist", after=before_1["pageInfo"]["endCursor"])
    await _campaign(dataset, 50, "cardiologist")
    await _campaign(dataset, 2, "cardiologist")  # also on page 1 organically
    await _campaign(dataset, 52, None)
    after_1 = await _search(gql, query="cardiologist")
    sponsored = [e["node"]["slug"] for e in after_1["edges"] if e["sponsored"]]
    assert len(sponsored) == 2  # three eligible, at most two shown
    assert after_1["edges"][0]["sponsored"] and after_1["edges"][1]["sponsored"]
    assert _organic(after_1) == _organic(before_1)
    assert after_1["totalCount"] == before_1["totalCount"]
    assert after_1["pageInfo"] == before_1["pageInfo"]
    after_2 = await _search(gql, query="cardiologist", after=after_1["pageInfo"]["endCursor"])
    assert after_2 == before_2  # later pages carry no sponsorship at all
    # A sponsored cursor leads back to the first organic page.
    again = await _search(gql, query="cardiologist", after=after_1["edges"][0]["cursor"])
    assert _organic(again) == _organic(before_1)


async def test_only_eligible_campaigns_are_placed(gql: GraphQLClient, dataset: Dataset) -> None:
    today = today_ist()  # the app counts campaign days in IST
    await _campaign(dataset, 51, "dermatologist")  # wrong specialty for this search
    await _campaign(dataset, 60, "cardiologist", status=CampaignStatus.PAUSED)
    await _campaign(dataset, 62, "cardiologist", ends_on=today - timedelta(days=1))
    await _campaign(dataset, 64, "cardiologist", starts_on=today + timedelta(days=1))
    await _campaign(dataset, 66, "cardiologist", delivered_impressions=1000)
    await _campaign(dataset, 68, "cardiologist", city_id=dataset.city_ids["mumbai"])
    result = await _search(gql, query="cardiologist")
    assert not any(e["sponsored"] for e in result["edges"])
    skin = await _search(gql, query="skin specialist")
    assert [e["node"]["slug"] for e in skin["edges"] if e["sponsored"]] == ["dr-doctor-051"]


async def test_impressions_are_recorded_behind_the_response(
    gql: GraphQLClient, dataset: Dataset, app: Any
) -> None:
    campaign = await _campaign(dataset, 50, "cardiologist")
    result = await _search(gql, query="cardiologist", first=5)
    await app.state.events.flush()
    sponsored = await models.ListingEvent.filter(kind=EventKind.SPONSORED_IMPRESSION)
    assert [(e.target_id, e.campaign_id, e.position) for e in sponsored] == [(1050, campaign.pk, 1)]
    organic = await models.ListingEvent.filter(kind=EventKind.IMPRESSION).order_by("position")
    slugs = _organic(result)
    assert [e.position for e in organic] == [1, 2, 3, 4, 5]
    ids = await models.Practitioner.filter(slug__in=slugs).values_list("slug", "id")
    by_slug = dict(ids)
    assert [e.target_id for e in organic] == [by_slug[s] for s in slugs]
    assert all(e.city_id == dataset.city_ids["pune"] for e in organic)
    await campaign.refresh_from_db()
    assert campaign.delivered_impressions == 1


async def test_full_buffer_drops_events_without_failing_searches(
    gql: GraphQLClient, dataset: Dataset, app: Any
) -> None:
    recorder = app.state.events
    recorder.capacity = 3
    result = await _search(gql, query="cardiologist", first=10)
    assert len(result["edges"]) == 10
    assert recorder.dropped >= 7


PLACE = """
query S($filter: PractitionerSearchFilter, $near: NearInput) {
  searchPractitioners(city: "pune", query: "cardiologist", filter: $filter, near: $near) {
    edges { sponsored node { slug } }
  }
}
"""


async def test_area_campaigns_follow_the_searched_place(
    gql: GraphQLClient, dataset: Dataset
) -> None:
    east = await models.Locality.create(
        city_id=dataset.city_ids["pune"], slug="viman-nagar", name="Viman Nagar",
        lat=18.5679, lng=73.9143, zone="pune-east",
    )  # fmt: skip
    kothrud = await models.Locality.get(slug="kothrud")
    await _campaign(dataset, 50, "cardiologist", zone="pune-west")
    await _campaign(dataset, 52, "cardiologist", locality_ids=[east.pk])

    async def sponsored(**variables: Any) -> set[str]:
        body = await gql.execute(PLACE, variables)
        assert "errors" not in body, body["errors"]
        edges = body["data"]["searchPractitioners"]["edges"]
        assert all(e["sponsored"] for e in edges[: sum(e["sponsored"] for e in edges)])
        return {e["node"]["slug"] for e in edges if e["sponsored"]}

    # A city-wide search has no place in mind: both may show.
    assert await sponsored() == {"dr-doctor-050", "dr-doctor-052"}
    # A search in Kothrud (pune-west) shows the west-zone campaign only.
    assert await sponsored(filter={"localities": ["kothrud"]}) == {"dr-doctor-050"}
    # So does a search near Kothrud (its nearest locality), and near Viman Nagar the other.
    near_west = {"lat": kothrud.lat, "lng": kothrud.lng, "radiusKm": 5}
    assert await sponsored(near=near_west) == {"dr-doctor-050"}
    near_east = {"lat": east.lat, "lng": east.lng, "radiusKm": 5}
    assert await sponsored(near=near_east) == {"dr-doctor-052"}


async def test_sponsored_edges_are_labelled_and_only_on_page_one(
    gql: GraphQLClient, dataset: Dataset
) -> None:
    await _campaign(dataset, 50, "cardiologist")
    first = await _search(gql, query="cardiologist", first=5)
    assert [e["sponsored"] for e in first["edges"]] == [True] + [False] * 5
    assert first["edges"][0]["node"]["slug"] == "dr-doctor-050"
    second = await _search(gql, query="cardiologist", after=first["pageInfo"]["endCursor"])
    assert not any(e["sponsored"] for e in second["edges"])
