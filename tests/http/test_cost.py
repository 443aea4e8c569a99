"""Query cost (issue 12): computed before execution, refused over the viewer's budget with
zero SQL, and reported on every response as `extensions.cost { requested, budget }`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLList, GraphQLNonNull

from hmsdesk_graph.api.root import build_schema
from hmsdesk_graph.guards.cost import LIST_BOUNDS
from hmsdesk_graph.identity.auth import Role
from tests.conftest import GraphQLClient, base_settings
from tests.factories import Dataset

OPERATIONS = Path(__file__).resolve().parents[2] / "schema" / "operations"
ANONYMOUS_BUDGET = base_settings().cost_budget_anonymous

# The issue's query: 3.8 KB, within every other limit (15 aliases, depth 10), answered after
# 45 s with 9.8 MB before costs were checked.
ALIAS = (
    'a{n}: searchPractitioners(city: "pune", first: 100) {{ edges {{ node {{ name'
    " reviews(first: 100) {{ edges {{ node {{ rating text author {{ displayName }} }} }} }}"
    " practices {{ hospital {{ name practitioners(first: 100) {{ edges {{ node {{ name slug"
    " }} }} }} }} }} }} }} }}"
)
ISSUE_QUERY = "query Abuse { " + " ".join(ALIAS.format(n=n) for n in range(15)) + " }"
# Per alias: 100 results, 100 x 100 reviews, 100 x 10 practices (a practitioner's fixed
# bound) and 100 x 10 x 100 practitioners of their hospitals.
ISSUE_COST = 15 * (100 + 100 * 100 + 100 * 10 + 100 * 10 * 100)

# Placeholder values for the committed operations' required variables: the cost is decided
# before anything is looked up, so they need not exist.
VARIABLES = {
    "slug": "dr-asha-kulkarni",
    "city": "pune",
    "labTest": "cbc",
    "specialty": "cardiology",
    "id": "UHJhY3RpdGlvbmVyOjE=",
    "from": "2026-11-01",
    "to": "2026-11-30",
}


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_the_issue_query_is_refused_before_any_sql(
    gql: GraphQLClient, dataset: Dataset
) -> None:
    assert len(ISSUE_QUERY) < 4000
    response = await gql.post(ISSUE_QUERY)
    body = response.json()
    assert _codes(body) == ["QUERY_TOO_COMPLEX"]
    assert "data" not in body  # refused before execution: a request error
    assert body["extensions"]["sqlStatements"] == 0
    error = body["errors"][0]
    assert str(ISSUE_COST) in error["message"] and str(ANONYMOUS_BUDGET) in error["message"]
    assert error["extensions"]["cost"] == ISSUE_COST
    assert error["extensions"]["budget"] == ANONYMOUS_BUDGET
    assert body["extensions"]["cost"] == {"requested": ISSUE_COST, "budget": ANONYMOUS_BUDGET}


async def test_one_alias_of_it_is_over_every_budget(
    gql: GraphQLClient, bearer: Any, dataset: Dataset
) -> None:
    one = "{ " + ALIAS.format(n=0) + " }"
    response = await gql.post(one, headers=bearer(Role.ADMIN, subject="staff:omkar"))
    body = response.json()
    assert _codes(body) == ["QUERY_TOO_COMPLEX"]
    assert body["extensions"] == {
        "cost": {"requested": ISSUE_COST // 15, "budget": 50_000},
        "sqlStatements": 0,
    }


def _operation_variables(name: str, first: int | None) -> dict[str, Any]:
    text = (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")
    variables = {k: v for k, v in VARIABLES.items() if f"${k}:" in text}
    if first is not None and "$first:" in text:
        variables["first"] = first
    return variables


@pytest.mark.parametrize("first", [None, 100])
@pytest.mark.parametrize("name", sorted(p.stem for p in OPERATIONS.glob("*.graphql")))
async def test_committed_operations_fit_the_anonymous_budget(
    gql: GraphQLClient, name: str, first: int | None
) -> None:
    query = (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")
    body = (await gql.post(query, _operation_variables(name, first))).json()
    assert "QUERY_TOO_COMPLEX" not in _codes(body), body["errors"]
    cost = body["extensions"]["cost"]
    assert cost["budget"] == ANONYMOUS_BUDGET
    assert 1 <= cost["requested"] <= ANONYMOUS_BUDGET


# 100 results + 100 x 100 reviews: over the anonymous budget, within a partner's.
MIDDLE = (
    '{ searchPractitioners(city: "pune", first: 100) { edges { node { name'
    " reviews(first: 100) { totalCount } } } } }"
)


@pytest.mark.parametrize(
    ("role", "claims", "budget", "refused"),
    [
        (None, {}, 10_000, True),
        (Role.PATIENT, {"patient_id": 1}, 10_000, True),
        (Role.PARTNER, {"partner_id": 1}, 20_000, False),
        (Role.INTERNAL, {"subject": "staff:riya"}, 50_000, False),
    ],
)
async def test_the_budget_is_the_viewers(
    gql: GraphQLClient,
    bearer: Any,
    dataset: Dataset,
    role: Role | None,
    claims: dict[str, Any],
    budget: int,
    refused: bool,
) -> None:
    headers = bearer(role, **claims) if role else {}
    body = (await gql.post(MIDDLE, headers=headers)).json()
    assert body["extensions"]["cost"] == {"requested": 10_100, "budget": budget}
    if refused:
        assert _codes(body) == ["QUERY_TOO_COMPLEX"]
        assert body["extensions"]["sqlStatements"] == 0
    else:
        assert "errors" not in body, body["errors"]
        assert len(body["data"]["searchPractitioners"]["edges"]) == 100


async def _requested(gql: GraphQLClient, query: str, variables: Any = None) -> int:
    body = (await gql.post(query, variables)).json()
    assert "errors" not in body, body["errors"]
    requested: int = body["extensions"]["cost"]["requested"]
    return requested


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        # A root field is one lookup; its scalars cost nothing.
        ('{ practitioner(slug: "x") { name } }', None, 1),
        ("{ cities { slug } }", None, LIST_BOUNDS["Query.cities"]),
        # Aliases count separately; the same response key is merged, as executed.
        ("{ a: cities { slug } b: cities { slug } }", None, 2 * LIST_BOUNDS["Query.cities"]),
        ("{ cities { slug } cities { name } }", None, LIST_BOUNDS["Query.cities"]),
        # first / last, from literals, variables and variable defaults; else the default page.
        ('{ practitioners(city: "pune", first: 7) { totalCount } }', None, 7),
        ('query($n: Int) { practitioners(city: "pune", first: $n) { totalCount } }', {"n": 9}, 9),
        ('query($n: Int = 11) { practitioners(city: "pune", first: $n) { totalCount } }', {}, 11),
        ('{ practitioners(city: "pune") { totalCount } }', None, 20),
        # Nesting multiplies, through fragments and inline fragments; pageInfo is once.
        (
            '{ hospitals(city: "pune", first: 5) { pageInfo { hasNextPage } edges { node {'
            " ...H } } } } fragment H on Hospital { ... on Hospital { reviews(first: 4) {"
            " totalCount } } pricePackages(first: 2) { name } }",
            None,
            5 + 5 * 4 + 5 * 2,
        ),
        # On an abstract type, the dearest possible type counts.
        (
            '{ node(id: "x") { ... on Hospital { reviews(first: 30) { totalCount } }'
            " ... on Practitioner { reviews(first: 3) { totalCount } } } }",
            None,
            30,
        ),
        ("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["a", "b", "c"]}, 3),
        # The README's example.
        (
            '{ searchPractitioners(city: "pune", first: 20) { edges { node { practices {'
            " hospital { name } } reviews(first: 10) { totalCount } } } } }",
            None,
            420,
        ),
    ],
)
async def test_how_costs_add_up(
    gql: GraphQLClient, query: str, variables: Any, expected: int
) -> None:
    body = (await gql.post(query, variables)).json()
    assert "QUERY_TOO_COMPLEX" not in _codes(body)
    assert body["extensions"]["cost"]["requested"] == expected


async def test_a_refused_document_reports_no_cost(gql: GraphQLClient) -> None:
    body = (await gql.post("{ cities { nope } }")).json()
    assert _codes(body) == ["BAD_USER_INPUT"]
    assert body["extensions"]["cost"] == {"requested": 0, "budget": ANONYMOUS_BUDGET}


def test_every_fixed_list_bound_names_a_list_field() -> None:
    schema = build_schema()._schema
    for coordinate in LIST_BOUNDS:
        type_name, field_name = coordinate.split(".")
        field = schema.get_type(type_name).fields[field_name]  # type: ignore[union-attr]
        inner = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        assert isinstance(inner, GraphQLList), coordinate
