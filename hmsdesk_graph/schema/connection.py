"""Relay connection types, and building a page from rows fetched with one extra row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from hmsdesk_graph.context import Info
from hmsdesk_graph.pagination import CursorCodec, Key, Page

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")
EdgeT = TypeVar("EdgeT")
FacetsT = TypeVar("FacetsT")


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type(description="A page of a list; `totalCount` is computed only when asked for.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list has (costs a query).")
    async def total_count(self) -> int:
        return await self._count()


@strawberry.type
class SearchEdge(Generic[NodeT]):
    """One search result; each screen names its own edge type, so the SDL shows no generic."""

    cursor: str
    node: NodeT
    sponsored: bool = strawberry.field(description="A paid Reach placement, not a ranking.")
    distance_km: float | None = strawberry.field(description="Set when searching `near`.")


@strawberry.type
class SearchConnection(Generic[EdgeT, FacetsT]):
    """One page of search results, with the count and facets computed only when asked for;
    each screen names its own connection type."""

    edges: list[EdgeT]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]
    _facets: strawberry.Private[Callable[[], Awaitable[FacetsT]]]

    @strawberry.field(description="Organic results in all (costs a query).")
    async def total_count(self) -> int:
        return await self._count()

    @strawberry.field(description="Facet counts (computed only when asked for).")
    async def facets(self) -> FacetsT:
        return await self._facets()


def make_connection(
    rows: Sequence[RowT],
    page: Page,
    *,
    scope: str,
    codec: CursorCodec,
    key: Callable[[RowT], Key],
    node: Callable[[RowT], NodeT],
    count: Callable[[], Awaitable[int]],
) -> Connection[NodeT]:
    """A connection from up to first + 1 rows in list order (the extra row means "more")."""
    visible = rows[: page.first]
    edges = [Edge(cursor=codec.encode(scope, key(row)), node=node(row)) for row in visible]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > page.first,
            has_previous_page=page.after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count=count,
    )


async def load_connection(
    info: Info,
    scope: str,
    first: int | None,
    after: str | None,
    load: Callable[[Page], Awaitable[Sequence[RowT]]],
    node: Callable[[RowT], NodeT],
    key: Callable[[RowT], Key],
    count: Callable[[], Awaitable[int]],
) -> Connection[NodeT]:
    """One page of the list `scope`: `first` / `after` checked, up to first + 1 rows fetched
    by `load` in list order, the count left for `totalCount` to ask (the fields that page a
    loader's rows share these steps)."""
    ctx = info.context
    page = ctx.cursors.page(scope, first, after, ctx.settings)
    rows = await load(page)
    return make_connection(
        rows, page, scope=scope, codec=ctx.cursors, key=key, node=node, count=count
    )
