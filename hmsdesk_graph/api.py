"""The root Query / Mutation types and the strawberry Schema with its protective extensions."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from hmsdesk_graph.config import Settings
from hmsdesk_graph.error_format import log_unexpected
from hmsdesk_graph.limits import max_directives_rule
from hmsdesk_graph.resolvers.catalog import resolve_cities, resolve_specialties
from hmsdesk_graph.schema.catalog import City, Specialty

logger = logging.getLogger("hmsdesk_graph.api")


@strawberry.type
class Query:
    cities: list[City] = strawberry.field(
        resolver=resolve_cities, description="Every city HMSDESK lists, by name."
    )
    specialties: list[Specialty] = strawberry.field(
        resolver=resolve_specialties, description="Every specialty, by name."
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
    # Instances, not classes: each carries this deployment's limits.
    extensions: list[Any] = [
        MaxTokensLimiter(max_token_count=settings.max_tokens),
        ParserCache(maxsize=512),
        QueryDepthLimiter(max_depth=settings.max_depth),
        MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        AddValidationRules([max_directives_rule(settings.max_directives)]),
        ValidationCache(maxsize=512),
    ]
    if not settings.introspection_enabled:
        extensions.append(DisableIntrospection())
    return extensions


def build_schema(settings: Settings | None = None) -> HmsdeskSchema:
    """The schema with the limits of `settings` (no settings: the bare schema for SDL export)."""
    return HmsdeskSchema(
        query=Query,
        extensions=_extensions(settings) if settings else [],
        config=StrawberryConfig(
            disable_field_suggestions=not (settings is None or settings.is_development)
        ),
    )
