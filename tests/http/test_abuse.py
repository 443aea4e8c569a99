"""No request holds the event loop (issue 12): while the issue's abusive requests run
together, /healthz still answers, and each of them is refused before any work."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from hmsdesk_graph.identity.auth import Role
from tests.conftest import GraphQLClient
from tests.factories import Dataset
from tests.http.test_cost import ISSUE_QUERY

SEARCH = 'query($q: String) { searchPractitioners(city: "pune", query: $q) { totalCount } }'
REPLY = "mutation($id: ID!, $t: String!) { replyToReview(reviewId: $id, text: $t) { id } }"
WORDS_20000 = " ".join(["cardiologist"] * 20_000)
# Shaped like the text that made the old contact-scrubbing pattern backtrack.
REPLY_100000 = "1 " * 50_000


async def test_healthz_answers_while_the_abusive_requests_run(
    http: Any, gql: GraphQLClient, bearer: Any, dataset: Dataset
) -> None:
    partner = bearer(Role.PARTNER, partner_id=1)
    abusive = [
        gql.post(SEARCH, {"q": WORDS_20000}),
        gql.post(REPLY, {"id": "UmV2aWV3OjE=", "t": REPLY_100000}, headers=partner),
        gql.post(ISSUE_QUERY),
    ] * 3

    async def healthz() -> float:
        await asyncio.sleep(0.01)
        started = time.monotonic()
        response = await http.get("/healthz")
        assert response.status_code == 200
        return time.monotonic() - started

    *responses, waited = await asyncio.gather(*abusive, healthz())
    codes = [[e["extensions"]["code"] for e in r.json()["errors"]] for r in responses]
    assert codes == [["BAD_USER_INPUT"], ["BAD_USER_INPUT"], ["QUERY_TOO_COMPLEX"]] * 3
    assert all(r.json()["extensions"]["sqlStatements"] == 0 for r in responses)
    # Generous: before the bounds /healthz waited 12.7 s behind one such search.
    assert waited < 3.0
