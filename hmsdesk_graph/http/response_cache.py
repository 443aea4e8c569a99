"""The response cache for public reads (issue 11, item 3).

An answer is kept under (document hash, normalised variables, viewer class) in the shared
store (Redis when configured, else this process) together with the versions its tags had
before it was computed; it is served only while those versions are unchanged (see
shared/tag_versions.py: each process checks them against a snapshot at most FRESH_S old) and
for at most HMSDESK_RESPONSE_CACHE_TTL_S. What may be kept is decided from the document
(shared/cache_policy.py) and, while it runs, by the resolvers: an answer that called a partner
service is not kept. Listing events an answer recorded (profile views, organic impressions) are
kept with it and recorded again on every hit, so every shown edge is still counted.

Sponsored slots: a search's organic part is kept, with the arguments of its sponsored
placement and each sponsored edge it has rendered (by practitioner). A hit runs the placement
again (one statement: campaigns keep pacing and rotating), splices the chosen edges in front of
the organic ones and records their sponsored impressions; when a chosen practitioner's edge
was never rendered for this search, the document runs with those very picks (so rotation
turns once) rendering the sponsored edges only (no organic rows, totals or facets: a few small
statements), the entry learns them and the request is served as a hit; should that render
fail, the request executes in full with the same picks and the entry learns from that.

An entry is stored as bytes: one line of JSON (versions, expiry, events, placement, sponsored
edges), then the answer's `data` already serialised, with a marker where sponsored edges go.
A hit sends those bytes without parsing them. Each process keeps recent entries in memory too
(in Redis mode a copy of what it read or wrote, checked against the same versions and expiry),
so a hit usually costs no round trip at all.

Misses fly once per process: while one request computes a missing answer, others of the same
process asking for it wait for that one (at most FLIGHT_WAIT_S) and are served its entry as a
hit, so a burst on a cold or just-expired answer costs one execution rather than one per
request. Keys whose last answer could not be kept are not waited for. When a kept answer
expires (its TTL passed but nothing it depends on was written), the first request computes its
successor and the others meanwhile are served the expired copy, for at most STALE_GRACE_S past
the TTL: an expiry costs no request a wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
from graphql import GraphQLError, GraphQLSchema, parse

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db.enums import EventKind, TargetKind
from hmsdesk_graph.ops import metrics
from hmsdesk_graph.reach.clock import IST
from hmsdesk_graph.search.query import Near
from hmsdesk_graph.search.sponsored import OfferSet, campaign_offers, choose, headroom
from hmsdesk_graph.shared.cache_policy import NOT_CACHEABLE, Policy, policy_for
from hmsdesk_graph.shared.cache_run import CURRENT, CacheRun, Picks, Placement
from hmsdesk_graph.shared.tag_versions import bump, cached_versions
from hmsdesk_graph.workers.events import EventRecorder, ListingEvent

if TYPE_CHECKING:
    from hmsdesk_graph.context import Context
    from hmsdesk_graph.shared.state import SharedState

logger = logging.getLogger("hmsdesk_graph.cache")

HEADER = "X-HMSDESK-Cache"
_POLICIES = 2048  # parsed documents remembered per process
# Each process keeps at most this many answers (least recently used go first): a profile is
# tens of kilobytes.
MEMORY_ENTRIES = 2000
# Where sponsored edges go in a kept answer's serialised `data`. NUL never reaches stored text
# (the API refuses it, PostgreSQL cannot hold it), so no real value serialises to this.
_MARKER = "\x00hmsdesk:sponsored-edges\x00"
_MARKER_BYTES = orjson.dumps(_MARKER)
# A miss for an answer another request of this process is computing waits for it this long at
# most, then computes too: a burst on a cold or expired entry costs one execution, not one per
# request. Keys whose last answer could not be kept are not waited for (no point).
FLIGHT_WAIT_S = 3.0
_UNKEPT = 1024  # keys remembered as not kept
# How long past its TTL an entry whose versions are current may still be served while one
# request computes its successor (never when nothing is computing it).
STALE_GRACE_S = 10.0
# How long a hit may place sponsored slots from campaign offers read earlier (OfferMemo): about
# one event-flush interval, the delay deliveries already take to reach the database.
OFFER_TTL_S = 1.0


class _Tap(EventRecorder):
    """Forwards events to the real recorder and remembers them for replay on hits."""

    def __init__(self, inner: EventRecorder, recorded: list[ListingEvent]) -> None:
        # Deliberately no super().__init__(): resolvers only call record(); the buffer and the
        # flush task are the inner recorder's.
        self.inner = inner
        self.recorded = recorded

    def record(self, events: list[ListingEvent]) -> None:
        self.recorded.extend(events)
        self.inner.record(events)


def _sponsored(event: ListingEvent) -> bool:
    return event.campaign_id is not None or event.kind is EventKind.SPONSORED_IMPRESSION


def _event_row(event: ListingEvent) -> list[Any]:
    kind, target = event.kind.value, event.target_kind.value
    return [kind, target, event.target_id, event.city_id, event.position]


def _replay(rows: list[list[Any]], picks: Picks, city_id: int | None, context: Context) -> None:
    """Record a hit's events: its sponsored impressions (this hit's own picks) first, then the
    organic ones the answer recorded when it was computed, as the resolver orders them."""
    if context.events is None or not (rows or picks):
        return
    now = datetime.now(UTC)
    channel = context.channel
    events = [
        ListingEvent(
            kind=EventKind.SPONSORED_IMPRESSION,
            target_kind=TargetKind.PRACTITIONER,
            target_id=int(row["id"]),
            campaign_id=campaign_id,
            channel=channel,
            city_id=city_id,
            position=i + 1,
            occurred_at=now,
        )
        for i, (campaign_id, row) in enumerate(picks)
    ]
    events += [
        ListingEvent(
            kind=EventKind(kind),
            target_kind=TargetKind(target_kind),
            target_id=int(target_id),
            channel=channel,
            city_id=city_id_,
            position=position,
            occurred_at=now,
        )
        for kind, target_kind, target_id, city_id_, position in rows
    ]
    context.events.record(events)


def viewer_class(context: Context) -> str:
    """Whom an answer may be shared with: anonymous viewers, or one role (never one person)."""
    viewer = context.viewer
    return "anon" if viewer.is_anonymous else f"role:{viewer.role.value}"


@dataclass
class Entry:
    """A kept answer: its metadata (parsed) and its `data` (serialised, with markers)."""

    meta: dict[str, Any]
    data: bytes

    @classmethod
    def parse(cls, raw: bytes) -> Entry:
        head, _, data = raw.partition(b"\n")
        return cls(orjson.loads(head), data)

    def dump(self) -> bytes:
        return orjson.dumps(self.meta) + b"\n" + self.data

    @property
    def placement(self) -> Placement | None:
        raw = self.meta.get("p")
        if raw is None:
            return None
        city, specialties, localities, near = raw
        point = (float(near[0]), float(near[1]), float(near[2])) if near else None
        return Placement(int(city), tuple(specialties), tuple(localities), point)

    def fresh(self, versions: dict[str, int]) -> bool:
        return self.meta.get("v") == versions and float(self.meta.get("t", 0)) > time.time()

    def spliced(self, picks: Picks) -> bytes | None:
        """`data` with the picked sponsored edges in place; None when one was never rendered."""
        paths = int(self.meta.get("k", 0))
        if not paths:
            return self.data
        rendered: dict[str, list[str]] = self.meta.get("s") or {}
        inserts: list[list[bytes]] = [[] for _ in range(paths)]
        for _, row in picks:
            edges = rendered.get(str(row["id"]))
            if edges is None or len(edges) != paths:
                return None
            for i, edge in enumerate(edges):
                inserts[i].append(edge.encode())
        segments = self.data.split(_MARKER_BYTES)
        if len(segments) != paths + 1:
            return None
        out = [segments[0]]
        for insert, segment in zip(inserts, segments[1:], strict=True):
            if insert:
                out.append(b",".join(insert))
            elif segment.startswith(b","):
                segment = segment[1:]  # the marker led a non-empty list: drop its comma
            out.append(segment)
        return b"".join(out)


@dataclass
class Lookup:
    """One request's dealings with the cache: the hit, or what to store after a miss."""

    cache: ResponseCache
    policy: Policy
    key: str | None = None
    versions: dict[str, int] | None = None
    hit: bytes | None = None  # the answer's serialised `data`
    hit_extensions: dict[str, Any] = field(default_factory=dict)
    run: CacheRun = field(default_factory=CacheRun)
    # The listing events the run recorded: kept with its answer, recorded again on hits.
    recorded: list[ListingEvent] = field(default_factory=list)
    # A hit's sponsored picks and organic events, recorded when it is served.
    picks: Picks = field(default_factory=list)
    events: list[list[Any]] = field(default_factory=list)
    city_id: int | None = None
    # Sponsored edges an older entry of the same versions rendered (kept on a miss).
    rendered: dict[str, list[str]] = field(default_factory=dict)
    # A kept answer lacking some picked sponsored edges: the run renders just those (amend()).
    render: Entry | None = None
    render_picks: Picks = field(default_factory=list)
    # Set when this request computes an answer others of this process wait for (see settle).
    flight: asyncio.Future[bool] | None = None

    def settle(self, kept: bool = False) -> None:
        """End this request's flight (once): waiters look again, or compute when not kept."""
        flight, self.flight = self.flight, None
        if flight is not None and self.key is not None:
            self.cache.land(self.key, flight, kept)

    @contextmanager
    def watching(self, context: Context) -> Iterator[None]:
        """Around execution: resolvers may refuse caching; recorded events are remembered."""
        if self.key is None:
            yield
            return
        token = CURRENT.set(self.run)
        inner = context.events
        if self.run.sponsored_only:
            context.events = None  # a render records nothing: the hit it becomes does
        elif inner is not None:
            context.events = _Tap(inner, self.recorded)
        try:
            yield
        finally:
            context.events = inner
            CURRENT.reset(token)

    async def store(self, body: dict[str, Any], status: int) -> dict[str, str]:
        """After execution: keep a clean public answer; the response headers to add."""
        if self.policy.mutation:
            # Even after errors: a resolver may have written before a later field failed.
            await bump(self.policy.tags)
            return {}
        if self.key is None or self.versions is None:
            return {}
        kept = False
        if status == 200 and "errors" not in body:
            entry = self._entry(body)
            if entry is not None:
                try:
                    await self.cache.store_entry(self.key, entry)
                    kept = True
                except Exception:
                    logger.warning("storing a cached response failed", exc_info=True)
        self.settle(kept)
        return self.cache.status_headers("MISS")

    def _entry(self, body: dict[str, Any]) -> Entry | None:
        """The entry to keep for this answer, or None when it may not be kept."""
        run = self.run
        if run.refusals - {"sponsored"}:
            return None
        # The document's own extensions (its cost) go with it; per-response ones do not.
        kept = {
            k: v
            for k, v in (body.get("extensions") or {}).items()
            if k not in {"sqlStatements", "cache"}
        }
        meta: dict[str, Any] = {
            "v": self.versions,
            "t": time.time() + self.cache.settings.response_cache_ttl_s,
            "x": kept,
            "e": [_event_row(e) for e in self.recorded if not _sponsored(e)],
        }
        data = body.get("data")
        sponsored = [e for e in self.recorded if _sponsored(e)]
        paths = self.policy.edge_paths
        if len(run.placements) == 1 and paths and isinstance(data, dict):
            split = _split_sponsored(data, paths, len(sponsored))
            if split is None:
                return None
            data, edges = split
            (placement,) = run.placements
            rendered = dict(self.rendered)
            for event, per_path in zip(sponsored, edges, strict=True):
                rendered[str(event.target_id)] = per_path
            near = list(placement.near) if placement.near else None
            meta["p"] = [placement.city_id, placement.specialty_ids, placement.locality_ids, near]
            meta["k"] = len(paths)
            meta["s"] = rendered
        elif run.refusals or sponsored:
            # Sponsored slots that cannot be placed again on a hit: never kept.
            return None
        return Entry(meta, orjson.dumps(data))

    async def amend(self, data: Any) -> bool:
        """After a render of sponsored edges only: learn them into the kept entry and make this
        lookup a hit on it; False (set up for a full run with the same picks) when it cannot."""
        entry, picks = self.render, self.render_picks
        self.render = None
        learned = self._learned(entry, picks, data)
        spliced = None if learned is None else learned.spliced(picks)
        if learned is None or spliced is None or self.key is None:
            self.run, self.recorded = CacheRun(pinned=picks), []
            self.rendered = dict(entry.meta.get("s") or {}) if entry is not None else {}
            metrics.cache_lookups("response", 0, 1)
            return False
        # An expired copy served while its successor is computed is not stored again: it would
        # replace the successor.
        if float(learned.meta.get("t", 0)) > time.time():
            try:
                await self.cache.store_entry(self.key, learned)
            except Exception:
                logger.warning("storing a cached response failed", exc_info=True)
        self._hit(learned, spliced, picks)
        metrics.cache_lookups("response", 1, 0)
        return True

    def _learned(self, entry: Entry | None, picks: Picks, data: Any) -> Entry | None:
        """`entry` with the sponsored edges a render produced, or None when the render produced
        other than exactly the picked edges (an error, a refusal, organic rows)."""
        run, paths = self.run, self.policy.edge_paths
        if entry is None or run.refusals - {"sponsored"} or len(run.placements) != 1:
            return None
        if not isinstance(data, dict) or not paths:
            return None
        split = _split_sponsored(data, paths, len(picks))
        if split is None:
            return None
        rest, edges = split
        for path in paths:
            node: Any = rest
            for key in path:
                node = node[key]
            if node != [_MARKER]:
                return None  # more edges than the picks: not a render of sponsored edges only
        rendered = dict(entry.meta.get("s") or {})
        # What concurrent renders in this process learned meanwhile is kept too.
        latest = self.cache._local.get(self.key or "")
        if latest is not None and latest.meta.get("v") == entry.meta.get("v"):
            rendered.update(latest.meta.get("s") or {})
        for (_, row), per_path in zip(picks, edges, strict=True):
            rendered[str(row["id"])] = per_path
        return Entry({**entry.meta, "s": rendered}, entry.data)

    def _hit(self, entry: Entry, data: bytes, picks: Picks) -> None:
        placement = entry.placement
        self.hit = data
        self.hit_extensions = dict(entry.meta.get("x") or {})
        self.picks = picks
        self.events = entry.meta.get("e") or []
        self.city_id = placement.city_id if placement else None

    def hit_body(self, context: Context) -> bytes:
        """The cached answer, serialised (its events recorded again for this request)."""
        assert self.hit is not None
        _replay(self.events, self.picks, self.city_id, context)
        return self.hit


def _split_sponsored(
    data: dict[str, Any], paths: tuple[tuple[str, ...], ...], count: int
) -> tuple[dict[str, Any], list[list[str]]] | None:
    """`data` with each path's first `count` edges replaced by one marker, and those edges
    serialised (per sponsored edge, one per path); None when a path holds no such list."""
    data = dict(data)
    per_edge: list[list[str]] = [[] for _ in range(count)]
    for path in paths:
        node: Any = data
        for key in path[:-1]:
            if not isinstance(node, dict) or not isinstance(node.get(key), dict):
                return None
            node[key] = dict(node[key])  # copied along the path: the answer is left as sent
            node = node[key]
        edges = node.get(path[-1]) if isinstance(node, dict) else None
        if not isinstance(edges, list) or len(edges) < count:
            return None
        for i in range(count):
            per_edge[i].append(orjson.dumps(edges[i]).decode())
        node[path[-1]] = [_MARKER, *edges[count:]]
    return data, per_edge


def watching(lookup: Lookup | None, context: Context) -> AbstractContextManager[None]:
    """Around execution (see Lookup.watching); nothing to watch without a lookup."""
    return lookup.watching(context) if lookup is not None else nullcontext()


class OfferMemo:
    """The campaign offers of each placement hits made lately, so a hit usually sends no SQL.

    Offers are read again after OFFER_TTL_S, when the tag versions change (a campaign written
    through the API), when the IST day turns, or once this process may have written enough
    impressions to put an offer that was under pace over it (events written since the read
    reach the smallest headroom). Pacing is decided on every hit from the offers and the time,
    and the rotation turns on every hit, as without the memo. What it adds to the pacing bound
    (reach.placement): deliveries it has not seen, other processes' or (for an offer that came
    under pace after the read) this one's, for at most OFFER_TTL_S.
    """

    def __init__(
        self, events: EventRecorder | None, max_placements: int = 1024, ttl_s: float = OFFER_TTL_S
    ) -> None:
        self.events = events
        self.max_placements = max_placements
        self.ttl_s = ttl_s
        self._kept: OrderedDict[tuple[Any, ...], tuple[OfferSet, float, int, int | None]] = (
            OrderedDict()
        )

    def _written(self) -> int:
        return self.events.written if self.events is not None else 0

    async def get(self, placement: Placement, versions: dict[str, int], now: datetime) -> OfferSet:
        """The placement's offers: kept ones while still safe to use, else read again."""
        day = now.astimezone(IST).date()
        key = (placement, day, tuple(sorted(versions.items())))
        kept = self._kept.get(key)
        if kept is not None:
            kept_set, read_at, written_at, room = kept
            written = self._written() - written_at
            if time.monotonic() - read_at < self.ttl_s and (room is None or written < room):
                return kept_set
        near = Near(*placement.near) if placement.near else None
        written_at, read_at = self._written(), time.monotonic()
        offers = await campaign_offers(
            placement.city_id,
            placement.specialty_ids,
            placement.locality_ids,
            near,
            now,
            ids_only=True,
        )
        kept_set = OfferSet(offers)
        self._kept[key] = (kept_set, read_at, written_at, headroom(offers, now))
        self._kept.move_to_end(key)
        while len(self._kept) > self.max_placements:
            self._kept.popitem(last=False)
        return kept_set


class ResponseCache:
    """Public query results in the shared store, invalidated by tag versions."""

    def __init__(
        self, settings: Settings, schema: GraphQLSchema, events: EventRecorder | None = None
    ) -> None:
        self.settings = settings
        self.schema = schema
        self.shared: SharedState | None = None  # set in the app lifespan
        self._policies: OrderedDict[str, Policy] = OrderedDict()
        self._local: OrderedDict[str, Entry] = OrderedDict()  # recent entries, either mode
        self.offers = OfferMemo(events)
        self._flights: dict[str, asyncio.Future[bool]] = {}  # answers being computed, by key
        self._unkept: OrderedDict[str, float] = OrderedDict()  # key -> monotonic expiry

    @property
    def enabled(self) -> bool:
        return self.settings.response_cache_ttl_s > 0 and self.shared is not None

    def status_headers(self, status: str) -> dict[str, str]:
        """``X-HMSDESK-Cache: HIT|MISS`` where the setting shows it (development by default)."""
        return {HEADER: status} if self.settings.cache_status_on else {}

    def policy(self, query: str) -> Policy:
        """The document's policy (parsed once per process); unparsable: not cacheable."""
        digest = hashlib.sha256(query.encode()).hexdigest()
        found = self._policies.get(digest)
        if found is not None:
            self._policies.move_to_end(digest)
            return found
        try:
            policy = policy_for(self.schema, parse(query))
        except GraphQLError:
            policy = NOT_CACHEABLE  # execution answers with the syntax error
        self._policies[digest] = policy
        while len(self._policies) > _POLICIES:
            self._policies.popitem(last=False)
        return policy

    def entry_key(
        self, query: str, variables: dict[str, Any] | None, operation: str | None, viewer: str
    ) -> str:
        """The store key: document hash, variables with sorted keys, operation, viewer class."""
        material = orjson.dumps(
            [hashlib.sha256(query.encode()).hexdigest(), operation, variables or {}, viewer],
            option=orjson.OPT_SORT_KEYS,
        )
        assert self.shared is not None
        return self.shared.key("rc", hashlib.sha256(material).hexdigest())

    async def lookup(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation: str | None,
        context: Context,
        method: str,
    ) -> Lookup:
        """Find a cached answer for this request, or note what a miss must store."""
        policy = self.policy(query)
        if policy.mutation:
            # Writes invalidate even where this process keeps no cache: others may.
            # Mutations over GET are refused by execution; only a POST can write.
            return Lookup(self, policy if method == "POST" else NOT_CACHEABLE)
        if not self.enabled or not policy.cacheable:
            return Lookup(self, NOT_CACHEABLE)
        key = self.entry_key(query, variables, operation, viewer_class(context))
        lookup = Lookup(self, policy, key=key)
        try:
            lookup.versions = versions = await cached_versions(policy.tags)
            entry = await self._entry(key, versions)
            if entry is None:
                entry = self._refreshing(key, versions)
            if entry is None:
                entry = await self._after_flight(key, versions)
            if entry is not None:
                await self._serve(lookup, entry)
            else:
                self._take_off(lookup, key)
        except Exception:
            logger.warning("response cache lookup failed; executing", exc_info=True)
            lookup.key = None
            lookup.hit = None
            lookup.render = None
            lookup.run = CacheRun()
            return lookup
        if lookup.render is None:  # a render is counted by amend(), once it knows
            metrics.cache_lookups("response", int(lookup.hit is not None), int(lookup.hit is None))
        return lookup

    async def _serve(self, lookup: Lookup, entry: Entry) -> None:
        """Make `lookup` a hit on `entry`, placing sponsored slots again when it has them."""
        picks: Picks = []
        placement = entry.placement
        if placement is not None:
            now = datetime.now(UTC)
            offers = await self.offers.get(placement, entry.meta.get("v") or {}, now)
            picks = choose(offers, now)
        data = entry.spliced(picks)
        if data is None:
            # A pick this entry never rendered: render those edges with the same picks.
            lookup.run = CacheRun(pinned=picks, sponsored_only=True)
            lookup.render, lookup.render_picks = entry, picks
            return
        lookup._hit(entry, data, picks)

    async def _entry(self, key: str, versions: dict[str, int]) -> Entry | None:
        """The entry under `key` if it is still valid: this process's copy, else the store's."""
        local = self._local.get(key)
        if local is not None and local.fresh(versions):
            self._local.move_to_end(key)
            return local
        assert self.shared is not None
        if self.shared.redis is None or not self.shared.usable():
            return None
        try:
            raw = await self.shared.get_bytes(key)
        except Exception:
            self.shared.failed()
            raise
        if raw is None:
            # While the store was asked, a request of this process may have kept the answer.
            local = self._local.get(key)
            return local if local is not None and local.fresh(versions) else None
        entry = Entry.parse(raw)
        if not entry.fresh(versions):
            return None
        self._remember(key, entry)
        return entry

    def _refreshing(self, key: str, versions: dict[str, int]) -> Entry | None:
        """This process's just-expired copy while another request computes its successor.

        Its versions are current (nothing it depends on was written), so it is what the
        successor will most likely be: the first request after expiry computes, and the
        requests meanwhile are served the expired copy rather than waiting for it."""
        if key not in self._flights:
            return None
        local = self._local.get(key)
        if local is None or local.meta.get("v") != versions:
            return None
        expired_at = float(local.meta.get("t", 0))
        return local if time.time() < expired_at + STALE_GRACE_S else None

    async def _after_flight(self, key: str, versions: dict[str, int]) -> Entry | None:
        """The entry another request of this process was computing, once it lands (bounded)."""
        flight = self._flights.get(key)
        if flight is None:
            return None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(flight), FLIGHT_WAIT_S)
        return await self._entry(key, versions)

    def _take_off(self, lookup: Lookup, key: str) -> None:
        """Make this miss the flight others wait for, unless one is up or the key is unkept."""
        unkept = self._unkept.get(key)
        if unkept is not None and unkept > time.monotonic():
            return
        if key in self._flights:
            return  # a waiter that timed out: it computes beside the flight, not as one
        lookup.flight = self._flights[key] = asyncio.get_running_loop().create_future()
        task = asyncio.current_task()
        if task is not None:
            # Whatever ends the request (an error, its deadline), the flight lands.
            task.add_done_callback(lambda _: lookup.settle())

    def land(self, key: str, flight: asyncio.Future[bool], kept: bool) -> None:
        """A flight ended: wake its waiters; remember a key whose answer was not kept."""
        if self._flights.get(key) is flight:
            del self._flights[key]
        if not flight.done():
            flight.set_result(kept)
        if kept:
            self._unkept.pop(key, None)
            return
        self._unkept[key] = time.monotonic() + self.settings.response_cache_ttl_s
        self._unkept.move_to_end(key)
        while len(self._unkept) > _UNKEPT:
            self._unkept.popitem(last=False)

    def _remember(self, key: str, entry: Entry) -> None:
        self._local[key] = entry
        self._local.move_to_end(key)
        while len(self._local) > MEMORY_ENTRIES:
            self._local.popitem(last=False)

    async def store_entry(self, key: str, entry: Entry) -> None:
        """Keep an entry for the TTL (in this process, and in Redis unless it is backing off)."""
        assert self.shared is not None
        self._remember(key, entry)
        if self.shared.redis is None or not self.shared.usable():
            return
        try:
            await self.shared.set_bytes(key, entry.dump(), self.settings.response_cache_ttl_s)
        except Exception:
            self.shared.failed()
            raise

    async def stored(self, key: str) -> Entry | None:
        """The entry the shared store holds under `key`, whatever its versions (tests)."""
        assert self.shared is not None
        if self.shared.redis is None:
            return self._local.get(key)
        raw = await self.shared.get_bytes(key)
        return Entry.parse(raw) if raw is not None else None
