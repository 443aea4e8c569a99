"""Persisted operations: the committed manifest, documentId, Apollo APQ (registrations shared
through Redis), GET caching headers with ETag / 304, and the manifest-only setting."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson
import pytest

from hmsdesk_graph.cli import persisted_operations_json, run
from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import EventKind
from hmsdesk_graph.http.persisted import (
    NO_STORE,
    PUBLIC,
    REVALIDATE,
    PersistedOperations,
    default_manifest_path,
    load_manifest,
)
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.shared import SharedState
from tests.factories import Dataset

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = load_manifest(default_manifest_path())
BY_NAME = {entry.name: entry for entry in MANIFEST.values()}
MINE = "query Mine { cities { slug name } }"
MINE_HASH = hashlib.sha256(MINE.encode()).hexdigest()
PRICES_VARS = {"city": "pune", "labTest": "cbc"}

# GETs are not preflighted by browsers: they carry the CSRF header (hmsdesk_graph/csrf.py).
CLIENT = {"X-HMSDESK-Client": "tests"}


def _apq(digest: str, query: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    if query is not None:
        body["query"] = query
    return body


def _get_params(name: str, variables: dict[str, Any]) -> dict[str, str]:
    return {
        "documentId": f"sha256:{BY_NAME[name].id}",
        "variables": orjson.dumps(variables).decode(),
    }


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def test_the_committed_manifest_is_generated_from_the_operations(
    capsys: pytest.CaptureFixture[str],
) -> None:
    committed = default_manifest_path().read_text(encoding="utf-8")
    assert persisted_operations_json() == committed  # .ci/run checks the same
    assert run(["persisted-operations"]) == 0
    assert capsys.readouterr().out == committed
    files = sorted((ROOT / "schema" / "operations").glob("*.graphql"))
    assert len(MANIFEST) == len(files)
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert MANIFEST[hashlib.sha256(text.encode()).hexdigest()].body == text
    # Public only where nothing is recorded and nothing is sponsored; profiles count views.
    assert {e.name: e.http_cache for e in MANIFEST.values()} == {
        "labTestPriceComparison": PUBLIC,
        "practitionerProfile": REVALIDATE,
        "hospitalProfile": REVALIDATE,
        "diagnosticCenterProfile": REVALIDATE,
        "webSearchPractitioners": NO_STORE,
        "mobileSearchPractitioners": NO_STORE,
        "searchList": NO_STORE,
        "hospitalListing": NO_STORE,
        "reachDashboardOverview": NO_STORE,
        "reachDashboardEntity": NO_STORE,
    }


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
async def test_document_id_runs_the_manifest_document(http: Any, dataset: Dataset) -> None:
    entry = BY_NAME["labTestPriceComparison"]
    by_text = await http.post("/graphql", json={"query": entry.body, "variables": PRICES_VARS})
    for document_id in (entry.id, f"sha256:{entry.id}"):
        by_id = await http.post(
            "/graphql", json={"documentId": document_id, "variables": PRICES_VARS}
        )
        assert by_id.status_code == 200
        assert by_id.json()["data"] == by_text.json()["data"]
        assert by_id.json()["data"]["priceComparison"]["count"] > 0
    unknown = await http.post("/graphql", json={"documentId": "sha256:" + "0" * 64})
    assert unknown.status_code == 400
    assert _codes(unknown.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    both = await http.post("/graphql", json={"documentId": entry.id, "query": entry.body})
    assert both.status_code == 400 and _codes(both.json()) == ["BAD_USER_INPUT"]
    garbled = await http.post("/graphql", json={"documentId": "../etc/passwd"})
    assert garbled.status_code == 400 and _codes(garbled.json()) == ["BAD_USER_INPUT"]


async def test_apq_registration_round_trip(http: Any, dataset: Dataset) -> None:
    missing = await http.post("/graphql", json=_apq(MINE_HASH))
    assert missing.status_code == 200  # Apollo clients answer it by sending the document
    assert missing.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert _codes(missing.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert "no-cache" in missing.headers["cache-control"]

    registered = await http.post("/graphql", json=_apq(MINE_HASH, MINE))
    assert registered.status_code == 200 and registered.json()["data"]["cities"]
    by_hash = await http.post("/graphql", json=_apq(MINE_HASH))
    # The same answer (the second from the response cache, which reads no table for it).
    assert by_hash.json()["data"] == registered.json()["data"]
    assert by_hash.json()["extensions"]["cost"] == registered.json()["extensions"]["cost"]
    get = await http.get(
        "/graphql",
        params={"extensions": orjson.dumps(_apq(MINE_HASH)["extensions"]).decode()},
        headers=CLIENT,
    )
    assert get.json()["data"] == registered.json()["data"]

    wrong = await http.post("/graphql", json=_apq("a" * 64, MINE))
    assert wrong.status_code == 400 and _codes(wrong.json()) == ["BAD_USER_INPUT"]
    # A document that does not validate is not kept.
    invalid = "query Bad { cities { nope } }"
    digest = hashlib.sha256(invalid.encode()).hexdigest()
    assert (await http.post("/graphql", json=_apq(digest, invalid))).status_code == 400
    assert _codes((await http.post("/graphql", json=_apq(digest))).json()) == [
        "PERSISTED_QUERY_NOT_FOUND"
    ]
    # Nor is a mutation (its text may carry personal data inline): it just runs.
    mutation = 'mutation { revealContactNumber(practitionerRoleId: "x") { number } }'
    m_digest = hashlib.sha256(mutation.encode()).hexdigest()
    ran = await http.post("/graphql", json=_apq(m_digest, mutation))
    assert _codes(ran.json()) == ["BAD_USER_INPUT"]  # it ran: the id is not a practice
    assert _codes((await http.post("/graphql", json=_apq(m_digest))).json()) == [
        "PERSISTED_QUERY_NOT_FOUND"
    ]


async def test_a_registration_is_seen_by_another_worker_on_redis(
    http: Any, dataset: Dataset, settings: Settings
) -> None:
    assert (await http.post("/graphql", json=_apq(MINE_HASH, MINE))).status_code == 200
    other_worker = PersistedOperations(settings, MANIFEST)
    other_worker.shared = await SharedState.open(settings)
    try:
        payload: dict[str, Any] = _apq(MINE_HASH)
        if settings.redis_url:
            await other_worker.resolve(_FakeRequest(), payload)
            assert payload["query"] == MINE
        else:  # in-process registrations belong to the process that took them
            with pytest.raises(Exception, match="PersistedQueryNotFound"):
                await other_worker.resolve(_FakeRequest(), payload)
    finally:
        await other_worker.shared.close()


class _FakeRequest:
    headers: dict[str, str] = {}
    method = "POST"


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
async def test_get_of_a_public_operation_is_cacheable_with_etag_and_304(
    http: Any, dataset: Dataset, settings: Settings
) -> None:
    params = _get_params("labTestPriceComparison", PRICES_VARS)
    first = await http.get("/graphql", params=params, headers=CLIENT)
    assert first.status_code == 200 and not first.json().get("errors")
    assert first.headers["cache-control"] == "public, max-age=60, stale-while-revalidate=300"
    assert "authorization" in first.headers["vary"].lower()
    etag = first.headers["etag"]
    for validator in (etag, f"W/{etag}", f'"other", {etag}'):
        again = await http.get(
            "/graphql", params=params, headers={**CLIENT, "if-none-match": validator}
        )
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
    changed = await http.get(
        "/graphql",
        params=_get_params("labTestPriceComparison", {**PRICES_VARS, "labTest": "lipid-profile"}),
        headers={**CLIENT, "if-none-match": etag},
    )
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    # A signed-in viewer's answer is never public (shared caches must not keep it).
    token = TokenService(settings).mint(Role.INTERNAL, subject="staff:riya")
    signed_in = await http.get(
        "/graphql", params=params, headers={**CLIENT, "authorization": f"Bearer {token}"}
    )
    assert signed_in.headers["cache-control"] == "private, no-cache"
    # POST answers carry no caching headers of ours.
    posted = await http.post(
        "/graphql",
        json={"documentId": BY_NAME["labTestPriceComparison"].id, "variables": PRICES_VARS},
    )
    assert "cache-control" not in posted.headers and "etag" not in posted.headers


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
async def test_profiles_revalidate_so_every_view_is_counted_and_search_is_never_stored(
    http: Any, app: Any, dataset: Dataset
) -> None:
    params = _get_params("practitionerProfile", {"slug": dataset.profile_slug})
    first = await http.get("/graphql", params=params, headers=CLIENT)
    assert first.status_code == 200 and not first.json().get("errors")
    assert first.headers["cache-control"] == "no-cache"
    revalidated = await http.get(
        "/graphql", params=params, headers={**CLIENT, "if-none-match": first.headers["etag"]}
    )
    assert revalidated.status_code == 304
    await app.state.events.flush()
    views = await models.ListingEvent.filter(
        kind=EventKind.PROFILE_VIEW, target_id=dataset.profile_id
    ).count()
    assert views == 2  # the 304 still reached the server and counted the view

    missing = await http.get(
        "/graphql",
        params=_get_params("practitionerProfile", {"slug": "nobody"}),
        headers=CLIENT,
    )
    assert _codes(missing.json()) == ["NOT_FOUND"]
    assert missing.headers["cache-control"] == "no-store" and "etag" not in missing.headers

    search = await http.get(
        "/graphql",
        params=_get_params("webSearchPractitioners", {"city": "pune"}),
        headers=CLIENT,
    )
    assert search.status_code == 200 and search.json()["data"]["searchPractitioners"]["edges"]
    assert search.headers["cache-control"] == "no-store" and "etag" not in search.headers


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
@pytest.mark.shared_settings(anonymous_manifest_only=True)
async def test_manifest_only_for_anonymous_viewers(
    http: Any, dataset: Dataset, settings: Settings
) -> None:
    free_text = await http.post("/graphql", json={"query": MINE})
    assert free_text.status_code == 400
    assert _codes(free_text.json()) == ["PERSISTED_QUERY_NOT_ALLOWED"]
    assert _codes((await http.post("/graphql", json=_apq(MINE_HASH, MINE))).json()) == [
        "PERSISTED_QUERY_NOT_ALLOWED"
    ]
    assert _codes((await http.post("/graphql", json=_apq(MINE_HASH))).json()) == [
        "PERSISTED_QUERY_NOT_ALLOWED"
    ]
    entry = BY_NAME["labTestPriceComparison"]
    for payload in (
        {"documentId": entry.id, "variables": PRICES_VARS},
        {"query": entry.body, "variables": PRICES_VARS},  # the manifest's exact text
        {**_apq(entry.id), "variables": PRICES_VARS},
    ):
        answer = await http.post("/graphql", json=payload)
        assert answer.status_code == 200 and not answer.json().get("errors"), payload
    token = TokenService(settings).mint(Role.INTERNAL, subject="staff:riya")
    staff = await http.post(
        "/graphql", json={"query": MINE}, headers={**CLIENT, "authorization": f"Bearer {token}"}
    )
    assert staff.status_code == 200 and staff.json()["data"]["cities"]
