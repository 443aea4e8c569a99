"""Lean reads leave out the optional columns a plan never reads (issue 10): what each view
attribute reads is declared, a card's plan leaves out what it never shows, and a column left
out by mistake hands the request to the general executor instead of answering wrongly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hmsdesk_graph.compiled import document_key
from hmsdesk_graph.db import models
from hmsdesk_graph.loaders.lean import lean_by_ids
from hmsdesk_graph.resolvers.views import VIEWS, columns_read
from tests.compiled.conftest import CompiledWorld
from tests.conftest import GraphQLClient

OPERATIONS = Path(__file__).resolve().parents[2] / "schema" / "operations"
SEARCH_LIST = (OPERATIONS / "searchList.graphql").read_text(encoding="utf-8")
PROFILE = (OPERATIONS / "practitionerProfile.graphql").read_text(encoding="utf-8")


def _attributes(view: type[Any]) -> list[str]:
    names = {name for base in view.__mro__ for name in vars(base) if not name.startswith("_")}
    return sorted(
        name
        for name in names
        if name not in ("type_name", "model", "optional", "reads")
        and not callable(getattr(view, name, None))
    )


async def test_every_view_attribute_reads_only_the_optional_columns_it_declares(
    world: CompiledWorld,
) -> None:
    for view in VIEWS.values():
        full = await lean_by_ids(view.model, None)
        assert full, view.model
        for attr in _attributes(view):
            leave_out = view.optional - columns_read(view, attr)
            narrow = await lean_by_ids(view.model, None, leave_out)
            for pk, row in full.items():
                # Reading it from the narrow row raises if it needs a column left out.
                assert getattr(view(narrow[pk]), attr) == getattr(view(row), attr), (view, attr)


async def test_a_card_plan_leaves_out_what_it_never_shows(app: Any) -> None:
    plans = app.state.compiled.plans
    card = plans[document_key(SEARCH_LIST)].unread
    profile = plans[document_key(PROFILE)].unread
    assert {"about", "qualifications", "search_text"} <= card[models.Practitioner]
    assert {"accreditations", "address"} <= card[models.Hospital]
    # The profile shows the doctor's about and qualifications: those are read.
    assert not {"about", "qualifications"} & profile.get(models.Practitioner, frozenset())


async def test_a_column_left_out_by_mistake_hands_over_to_the_general_executor(
    app: Any, gql: GraphQLClient, world: CompiledWorld
) -> None:
    variables = {"city": "pune", "specialty": "cardiologist", "sort": "EXPERIENCE"}
    plan = app.state.compiled.plans[document_key(SEARCH_LIST)]
    answered = app.state.compiled.answered
    expected = await gql.execute(SEARCH_LIST, variables)
    assert app.state.compiled.answered == answered + 1
    assert expected["data"]["searchPractitioners"]["edges"]
    # A plan that wrongly leaves out a column its cards show (the doctor's name).
    plan.unread = {**plan.unread, models.Practitioner: frozenset({"name"})}
    body = await gql.execute(SEARCH_LIST, variables)
    assert app.state.compiled.answered == answered + 1  # the general executor answered
    assert body["data"] == expected["data"]
    assert "errors" not in body
