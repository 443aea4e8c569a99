"""The root Query / Mutation types and the strawberry Schema with its protective extensions."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from hmsdesk_graph.api.error_format import log_unexpected
from hmsdesk_graph.api.operation_choice import OperationNameRequired
from hmsdesk_graph.api.personal import Mutation, PersonalQuery
from hmsdesk_graph.api.reach import ReachQuery
from hmsdesk_graph.api.warnings import ResponseWarnings
from hmsdesk_graph.config import Settings
from hmsdesk_graph.context import Info
from hmsdesk_graph.guards.cost import cost_limit
from hmsdesk_graph.guards.limits import (
    ArgumentBounds,
    IntrospectionForStaff,
    max_directives_rule,
    text_bounds,
)
from hmsdesk_graph.ops.metrics import OperationLabels, known_operations
from hmsdesk_graph.resolvers.catalog import resolve_cities, resolve_lab_tests, resolve_specialties
from hmsdesk_graph.resolvers.facility_search import (
    resolve_search_diagnostic_centers,
    resolve_search_hospitals,
)
from hmsdesk_graph.resolvers.nodes import resolve_node, resolve_nodes
from hmsdesk_graph.resolvers.price_search import (
    resolve_price_comparison,
    resolve_search_packages,
)
from hmsdesk_graph.resolvers.providers import (
    resolve_diagnostic_center,
    resolve_diagnostic_centers,
    resolve_hospital,
    resolve_hospitals,
    resolve_practitioner,
    resolve_practitioners,
)
from hmsdesk_graph.resolvers.search import resolve_search_practitioners
from hmsdesk_graph.resolvers.suggest import resolve_suggest
from hmsdesk_graph.schema.catalog import City, LabTest, Specialty
from hmsdesk_graph.schema.connection import Connection
from hmsdesk_graph.schema.facility_search import (
    DiagnosticCenterSearchConnection,
    HospitalSearchConnection,
)
from hmsdesk_graph.schema.node import Node
from hmsdesk_graph.schema.price_search import PackageSearchConnection, PriceComparison
from hmsdesk_graph.schema.providers import DiagnosticCenter, Hospital, Practitioner
from hmsdesk_graph.schema.scalars import UTC_DATETIME
from hmsdesk_graph.schema.search import PractitionerSearchConnection
from hmsdesk_graph.schema.suggest import Suggestion

logger = logging.getLogger("hmsdesk_graph.api.root")


@strawberry.type
class Query(PersonalQuery, ReachQuery):
    node: Node | None = strawberry.field(
        resolver=resolve_node, description="Any object by its global ID."
    )

    @strawberry.field(description="Objects by global ID, in order (at most 100).")
    def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        # Each entry is awaited (and fails) on its own: a missing ID nulls only its entry.
        return resolve_nodes(info, ids)  # type: ignore[return-value]

    practitioner: Practitioner | None = strawberry.field(
        resolver=resolve_practitioner, description="A practitioner's profile by slug."
    )
    hospital: Hospital | None = strawberry.field(
        resolver=resolve_hospital, description="A hospital's profile by slug."
    )
    diagnostic_center: DiagnosticCenter | None = strawberry.field(
        resolver=resolve_diagnostic_center, description="A diagnostic center's profile by slug."
    )
    cities: list[City] = strawberry.field(
        resolver=resolve_cities, description="Every city HMSDESK lists, by name."
    )
    specialties: list[Specialty] = strawberry.field(
        resolver=resolve_specialties, description="Every specialty, by name."
    )
    lab_tests: Connection[LabTest] = strawberry.field(
        resolver=resolve_lab_tests, description="Lab tests whose name contains `query`, by name."
    )
    practitioners: Connection[Practitioner] = strawberry.field(
        resolver=resolve_practitioners,
        description="Active practitioners of a city (and specialty), by name.",
    )
    hospitals: Connection[Hospital] = strawberry.field(
        resolver=resolve_hospitals, description="Hospitals and clinics of a city, by name."
    )
    diagnostic_centers: Connection[DiagnosticCenter] = strawberry.field(
        resolver=resolve_diagnostic_centers, description="Diagnostic centers of a city, by name."
    )
    search_practitioners: PractitionerSearchConnection = strawberry.field(
        resolver=resolve_search_practitioners,
        description="Practitioners of a city by text, filters and distance, in a chosen order.",
    )
    search_hospitals: HospitalSearchConnection = strawberry.field(
        resolver=resolve_search_hospitals,
        description="Hospitals, clinics and nursing homes of a city by text, filters and distance.",
    )
    search_diagnostic_centers: DiagnosticCenterSearchConnection = strawberry.field(
        resolver=resolve_search_diagnostic_centers,
        description="Diagnostic centers of a city by text, filters and distance.",
    )
    search_packages: PackageSearchConnection = strawberry.field(
        resolver=resolve_search_packages,
        description="Price packages offered in a city, by text and filters, in a chosen order.",
    )
    price_comparison: PriceComparison = strawberry.field(
        resolver=resolve_price_comparison,
        description="What one lab test or procedure (optionally in one ward) costs across a city.",
    )
    suggest: list[Suggestion] = strawberry.field(
        resolver=resolve_suggest,
        description="At most ten typed completions for the search box (two characters or more).",
    )


class HmsdeskSchema(strawberry.Schema):
    """Logs unexpected errors with context, never the GraphQL variables."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        operation = execution_context.operation_name if execution_context else None
        for error in errors:
            log_unexpected(error, operation)


def _extensions(settings: Settings) -> list[Any]:
    # The caches are shared instances (that is their point); extensions that read the request
    # are factories, so each request gets its own (strawberry shares an instance between
    # concurrent requests). Order matters: page-size bounds, then the cost (so every executed
    # document reports it), then text limits.
    known = known_operations(settings)
    extensions: list[Any] = [
        MaxTokensLimiter(max_token_count=settings.max_tokens),
        ParserCache(maxsize=512),
        QueryDepthLimiter(max_depth=settings.max_depth),
        MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        AddValidationRules([max_directives_rule(settings.max_directives)]),
        ValidationCache(maxsize=512),
        OperationNameRequired,  # a class: strawberry makes one per request
        lambda: ArgumentBounds(max_first=settings.max_first, max_ids=settings.max_first),
        cost_limit(settings),
        text_bounds(settings),
        lambda: OperationLabels(known),
        ResponseWarnings,  # a class: strawberry makes one per request
    ]
    if not settings.introspection_enabled:
        extensions.insert(0, IntrospectionForStaff)
    return extensions


def build_schema(settings: Settings | None = None) -> HmsdeskSchema:
    """The schema with the limits of `settings` (no settings: the bare schema for SDL export)."""
    return HmsdeskSchema(
        query=Query,
        mutation=Mutation,
        types=[Practitioner, Hospital, DiagnosticCenter],
        extensions=_extensions(settings) if settings else [],
        scalar_overrides={datetime: UTC_DATETIME},
        config=StrawberryConfig(
            disable_field_suggestions=not (settings is None or settings.is_development)
        ),
    )
