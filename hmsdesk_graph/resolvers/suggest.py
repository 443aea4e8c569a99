"""`suggest`: completions for the search box, typed and in priority order."""

from __future__ import annotations

from hmsdesk_graph.context import Info
from hmsdesk_graph.schema.catalog import city_id_for_slug
from hmsdesk_graph.schema.suggest import Suggestion, SuggestionType
from hmsdesk_graph.search.bounds import check_search_text
from hmsdesk_graph.search.suggest import MAX_SUGGESTIONS, normalise, suggest


async def resolve_suggest(info: Info, city: str, prefix: str) -> list[Suggestion]:
    """At most ten suggestions for what was typed so far; none below two characters."""
    check_search_text(prefix, "prefix", info.context.settings)
    city_id = await city_id_for_slug(info, city)
    found = await suggest(city_id, normalise(prefix))
    return [
        Suggestion(type=SuggestionType(s.type), label=s.label, slug=s.slug)
        for s in found[:MAX_SUGGESTIONS]
    ]
