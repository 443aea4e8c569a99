"""Peer benchmarks are cross-provider aggregates: suppressed below 5 peers (DESIGN §6)."""

from __future__ import annotations

from typing import Any

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import Gender, HospitalKind, PractitionerStatus
from hmsdesk_graph.db.search_index import refresh_search_columns
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.identity.global_ids import to_global_id
from hmsdesk_graph.reach.benchmark import percentile_rank
from tests.conftest import GraphQLClient
from tests.reach.conftest import Viewers, run
from tests.reach.world import ReachWorld, day_range

QUERY = """
query($id: ID!, $from: Date!, $to: Date!, $specialty: String) {
  reach(from: $from, to: $to) {
    entity(id: $id) {
      benchmark(specialty: $specialty) {
        peers fee medianFee feePercentile rating medianRating suppressedReason
        locality { slug } specialty { slug }
      }
    }
  }
}
"""
# Fees (rupees) and (rating sum, count) of the Baner cardiologists; index 0 is the partner's.
FEES = [700, 500, 600, 800, 900, 1000]
RATINGS = [(9, 2), (8, 2), (4, 1), (10, 2), (3, 1), (14, 3)]


async def _baner(world: ReachWorld) -> tuple[int, list[int]]:
    pune = world.ds.city_ids["pune"]
    baner = await models.Locality.create(
        city_id=pune, slug="baner", name="Baner", lat=18.559, lng=73.786, zone="pune-west"
    )
    clinic = await models.Hospital.create(
        slug="baner-heart-clinic", name="Baner Heart Clinic", kind=HospitalKind.CLINIC,
        city_id=pune, locality_id=baner.pk, address="Baner Road", lat=18.56, lng=73.79,
    )  # fmt: skip
    ids = []
    for i, fee in enumerate(FEES):
        p = await models.Practitioner.create(
            slug=f"dr-baner-{i}", name=f"Dr. Baner {i}", gender=Gender.FEMALE, city_id=pune,
            registration_number=f"MMC-B{i}", council="Maharashtra Medical Council",
            practising_since=2010,
            status=PractitionerStatus.EXPIRED if i == 5 else PractitionerStatus.ACTIVE,
        )  # fmt: skip
        await models.PractitionerSpecialty.create(
            practitioner_id=p.pk, specialty_id=world.ds.specialty_ids["cardiologist"],
            is_primary=True,
        )  # fmt: skip
        await models.PractitionerRole.create(
            practitioner_id=p.pk, hospital_id=clinic.pk, consultation_fee_paise=fee * 100
        )
        ids.append(p.pk)
    await refresh_search_columns(practitioner_ids=ids)
    for pk, (total, count) in zip(ids, RATINGS, strict=True):
        await models.Practitioner.filter(id=pk).update(rating_sum=total, rating_count=count)
    return baner.pk, ids


async def _benchmark(
    gql: GraphQLClient, headers: dict[str, str], pk: int, specialty: str | None = None
) -> dict[str, Any]:
    first, last = day_range(7)
    variables = {
        "id": to_global_id("Practitioner", pk),
        "from": first.isoformat(),
        "to": last.isoformat(),
        "specialty": specialty,
    }
    body = await run(gql, QUERY, variables, headers)
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]["reach"]["entity"]["benchmark"]
    return result


async def test_benchmark_is_suppressed_below_five_peers(
    gql: GraphQLClient, world: ReachWorld, tokens: TokenService
) -> None:
    _, ids = await _baner(world)
    z = await models.Partner.create(slug="baner-heart", name="Baner Heart")
    await models.Practitioner.filter(id=ids[0]).update(partner_id=z.pk)
    headers = {"authorization": f"Bearer {tokens.mint(Role.PARTNER, partner_id=z.pk)}"}
    # Four ACTIVE peers (the fifth is EXPIRED): every figure withheld, the count too.
    small = await _benchmark(gql, headers, ids[0])
    assert small == {
        "peers": None, "fee": None, "medianFee": None, "feePercentile": None, "rating": None,
        "medianRating": None, "suppressedReason": "Fewer than 5 peers to compare with.",
        "locality": {"slug": "baner"}, "specialty": {"slug": "cardiologist"},
    }  # fmt: skip
    await models.Practitioner.filter(id=ids[5]).update(status=PractitionerStatus.ACTIVE)
    full = await _benchmark(gql, headers, ids[0])
    peer_fees = FEES[1:]  # 500 600 800 900 1000
    assert full["peers"] == 5 and full["suppressedReason"] is None
    assert full["fee"] == "700.00" and full["medianFee"] == "800.00"
    assert full["feePercentile"] == percentile_rank(700, peer_fees) == 40
    assert full["rating"] == "4.50"  # 9 / 2
    # Peers' averages 4.00 4.00 5.00 3.00 4.67: the median is 4.00.
    assert full["medianRating"] == "4.00"


async def test_practitioner_of_a_small_group_gets_no_benchmark(
    gql: GraphQLClient, world: ReachWorld, viewers: Viewers
) -> None:
    # Partner Y's doctor is the only cardiologist of Bandra West.
    lonely = await _benchmark(gql, viewers.y, 2000)
    assert lonely["peers"] is None and lonely["medianFee"] is None
    assert lonely["suppressedReason"] == "Fewer than 5 peers to compare with."
    # Partner X's cardiologist at Kothrud has 59 cardiologist peers there.
    kothrud = await _benchmark(gql, viewers.x, 1000)
    assert kothrud["peers"] == 59 and kothrud["medianFee"] is not None
    assert kothrud["specialty"] == {"slug": "cardiologist"}
    # A specialty they do not have leaves them alone in the group.
    other = await _benchmark(gql, viewers.x, 1000, "dermatologist")
    assert other["peers"] == 60 and other["specialty"] == {"slug": "dermatologist"}


def test_percentile_rank_counts_ties_half() -> None:
    assert percentile_rank(5, [1, 2, 3, 4]) == 100
    assert percentile_rank(1, [1, 2, 3, 4]) == 13  # (0 + 0.5) / 4 = 12.5 %, half rounds up
    assert percentile_rank(0, [1, 2, 3, 4, 5]) == 0
