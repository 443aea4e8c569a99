"""Persisted operations: the committed manifest, `documentId`, Apollo APQ, and GET caching.

The manifest (schema/persisted-operations.json, written by `hmsdesk-graph
persisted-operations`) lists each committed operation of schema/operations by the sha256 of its
text, with how an HTTP cache may keep its answer:

- ``public``: no events recorded, no sponsored slots, nothing viewer-specific (catalog, price
  comparison): ``public, max-age, stale-while-revalidate`` for anonymous viewers.
- ``revalidate``: records a profile view, so every request must reach us: ``no-cache`` with an
  ETag (a 304 saves the body; the view is still counted).
- ``no-store``: search and listings (every shown edge, sponsored or not, is counted) and
  anything that needs a viewer.

APQ registrations live in SharedState (Redis when configured), so a document registered through
one worker runs in every other.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from graphql import (
    FieldNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    parse,
    visit,
)
from starlette.requests import Request
from starlette.responses import Response

from hmsdesk_graph.config import Settings
from hmsdesk_graph.errors import ErrorCode
from hmsdesk_graph.shared.state import SharedState

logger = logging.getLogger("hmsdesk_graph.http.persisted")

MANIFEST_FORMAT = "apollo-persisted-query-manifest"
PUBLIC, REVALIDATE, NO_STORE = "public", "revalidate", "no-store"

# Root query fields whose answer is the same for every anonymous viewer and records nothing.
_PUBLIC_ROOTS = frozenset(
    {"cities", "specialties", "labTests", "practitioners", "hospitals", "diagnosticCenters"}
    | {"priceComparison", "suggest", "__typename"}
)
# Profiles: public content, but each one shown records a PROFILE_VIEW.
_PROFILE_ROOTS = frozenset({"practitioner", "hospital", "diagnosticCenter"})
_HASH = re.compile(r"[0-9a-f]{64}")


def document_id(text: str) -> str:
    """The id of a document: the sha256 of its exact text (Apollo APQ's hash too)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cache_class(schema: GraphQLSchema, text: str) -> str:
    """How an HTTP cache may keep this operation's answer (see the module docstring)."""
    document = parse(text)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return NO_STORE
    roots = {
        s.name.value for s in operations[0].selection_set.selections if isinstance(s, FieldNode)
    }
    if len(roots) != len(operations[0].selection_set.selections):
        return NO_STORE  # fragments at the root: classify by hand before allowing them
    type_info = TypeInfo(schema)
    sponsored: list[str] = []

    class _Sponsored(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            parent = type_info.get_parent_type()
            if node.name.value == "sponsored" or (parent and "Sponsor" in parent.name):
                sponsored.append(node.name.value)

    visit(document, TypeInfoVisitor(type_info, _Sponsored()))
    if sponsored or not roots <= _PUBLIC_ROOTS | _PROFILE_ROOTS:
        return NO_STORE
    return PUBLIC if roots <= _PUBLIC_ROOTS else REVALIDATE


def build_manifest(operations_dir: Path, schema: GraphQLSchema) -> dict[str, Any]:
    """The manifest of every committed operation, in file-name order."""
    operations = []
    for path in sorted(operations_dir.glob("*.graphql")):
        body = path.read_text(encoding="utf-8")
        definitions = [d for d in parse(body).definitions if isinstance(d, OperationDefinitionNode)]
        if len(definitions) != 1 or definitions[0].name is None:
            raise ValueError(f"{path.name}: one named operation per file")
        operations.append(
            {
                "id": document_id(body),
                "name": definitions[0].name.value,
                "type": definitions[0].operation.value,
                "body": body,
                "httpCache": cache_class(schema, body),
            }
        )
    return {"format": MANIFEST_FORMAT, "version": 1, "operations": operations}


def manifest_json(manifest: dict[str, Any]) -> str:
    """The manifest as committed (stable, indented, one trailing newline)."""
    return orjson.dumps(manifest, option=orjson.OPT_INDENT_2).decode() + "\n"


def default_manifest_path() -> Path:
    """schema/persisted-operations.json next to the package (a checkout or editable install)."""
    return Path(__file__).resolve().parents[2] / "schema" / "persisted-operations.json"


@dataclass(frozen=True)
class Entry:
    """One manifest document."""

    id: str
    name: str
    body: str
    http_cache: str


def load_manifest(path: Path) -> dict[str, Entry]:
    """The manifest's documents by id (empty, with a warning, when the file is missing)."""
    if not path.is_file():
        logger.warning("no persisted-operations manifest at %s: documentId finds nothing", path)
        return {}
    raw = orjson.loads(path.read_bytes())
    if raw.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"{path} is not a persisted query manifest")
    entries = {}
    for op in raw["operations"]:
        if document_id(op["body"]) != op["id"]:
            raise ValueError(f"{path}: the id of {op['name']} does not match its body")
        entries[op["id"]] = Entry(op["id"], op["name"], op["body"], op.get("httpCache", NO_STORE))
    return entries


class PersistedQueryError(Exception):
    """A persisted-document request that cannot run: its status, code and headers."""

    def __init__(
        self,
        status: int,
        message: str,
        code: ErrorCode,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}


def _not_found(status: int) -> PersistedQueryError:
    # Apollo's message and code: its clients re-send the document when they see either.
    return PersistedQueryError(
        status,
        "PersistedQueryNotFound",
        ErrorCode.PERSISTED_QUERY_NOT_FOUND,
        {"Cache-Control": "private, no-cache, must-revalidate"},
    )


def _not_allowed() -> PersistedQueryError:
    return PersistedQueryError(
        400,
        "Only the published operations may be sent without signing in (send documentId).",
        ErrorCode.PERSISTED_QUERY_NOT_ALLOWED,
    )


def _bad(message: str) -> PersistedQueryError:
    return PersistedQueryError(400, message, ErrorCode.BAD_USER_INPUT)


@dataclass
class Resolved:
    """What resolution learned: the manifest entry (if any) and what to do after execution."""

    entry: Entry | None
    by_reference: bool  # the client sent an id or hash rather than the text
    register: tuple[str, str] | None = None  # (hash, text) to store once the document has run


class PersistedOperations:
    """Turns documentId / APQ requests into document text, and sets GET caching headers."""

    def __init__(self, settings: Settings, manifest: dict[str, Entry]) -> None:
        self.settings = settings
        self.manifest = manifest
        self.shared: SharedState | None = None  # set in the lifespan

    @classmethod
    def load(cls, settings: Settings) -> PersistedOperations:
        """Read the manifest named by the settings (or the committed one)."""
        path = Path(settings.persisted_operations_file or default_manifest_path())
        return cls(settings, load_manifest(path))

    def _anonymous_restricted(self, request: Request) -> bool:
        # With a token the context either knows the viewer or answers 401: no header, anonymous.
        return self.settings.anonymous_manifest_only and "authorization" not in request.headers

    async def resolve(self, request: Request, payload: Any) -> Resolved | None:
        """Fill payload["query"] from documentId or an APQ hash; None for a plain request."""
        if not isinstance(payload, dict):
            return None  # the endpoint's own parsing answers for the shape
        extensions = payload.get("extensions")
        if isinstance(extensions, str) and extensions:
            try:
                extensions = orjson.loads(extensions)
            except orjson.JSONDecodeError:
                raise _bad("extensions is not valid JSON.") from None
        if extensions is not None and not isinstance(extensions, dict):
            raise _bad("extensions must be a JSON object.")
        apq = (extensions or {}).get("persistedQuery")
        query = payload.get("query")
        if payload.get("documentId") is not None:
            return self._by_document_id(request, payload, query)
        if apq is not None:
            return await self._by_apq(request, payload, apq, query)
        restricted = isinstance(query, str) and self._anonymous_restricted(request)
        if restricted and document_id(str(query)) not in self.manifest:
            raise _not_allowed()
        return None

    def _by_document_id(self, request: Request, payload: dict[str, Any], query: Any) -> Resolved:
        raw = payload["documentId"]
        if query:
            raise _bad("Send either query or documentId, not both.")
        if not isinstance(raw, str) or not _HASH.fullmatch(raw.removeprefix("sha256:")):
            raise _bad("documentId must be sha256:<64 hex digits>.")
        entry = self.manifest.get(raw.removeprefix("sha256:"))
        if entry is None:
            raise _not_found(400)
        payload["query"] = entry.body
        return Resolved(entry, by_reference=True)

    async def _by_apq(
        self, request: Request, payload: dict[str, Any], apq: Any, query: Any
    ) -> Resolved:
        if not isinstance(apq, dict) or apq.get("version") != 1:
            raise _bad("extensions.persistedQuery must be {version: 1, sha256Hash}.")
        digest = apq.get("sha256Hash")
        if not isinstance(digest, str) or not _HASH.fullmatch(digest):
            raise _bad("persistedQuery.sha256Hash must be 64 lowercase hex digits.")
        entry = self.manifest.get(digest)
        if isinstance(query, str) and query:
            if document_id(query) != digest:
                raise _bad("provided sha does not match query")
            if entry is None and self._anonymous_restricted(request):
                raise _not_allowed()
            registration = None if entry else (digest, query)
            return Resolved(entry, by_reference=False, register=registration)
        if entry is not None:
            payload["query"] = entry.body
            return Resolved(entry, by_reference=True)
        if self._anonymous_restricted(request):
            raise _not_allowed()
        stored = await self._lookup(digest)
        if stored is None:
            raise _not_found(200)
        payload["query"] = stored
        return Resolved(None, by_reference=True)

    def _key(self, digest: str) -> str:
        assert self.shared is not None
        return self.shared.key("apq", digest)

    async def _lookup(self, digest: str) -> str | None:
        if self.shared is None or not self.shared.usable():
            return None
        try:
            return await self.shared.get(self._key(digest))
        except Exception:
            logger.warning("APQ lookup failed; answering not found", exc_info=True)
            self.shared.failed()
            return None

    async def finish(self, request: Request, response: Response, resolved: Resolved) -> Response:
        """After execution: store an APQ registration, and set GET caching headers."""
        shared = self.shared
        if resolved.register and response.status_code == 200 and shared and shared.usable():
            # Only documents that parsed and validated are kept (a 400 stores nothing), and
            # only queries: a mutation's text may carry a guest's phone inline, which must not
            # sit in a shared store (its client simply keeps sending the text).
            digest, text = resolved.register
            try:
                if _only_queries(text):
                    await shared.set(self._key(digest), text, self.settings.apq_ttl_s)
            except Exception:
                logger.warning("APQ registration failed", exc_info=True)
                shared.failed()
        if request.method != "GET" or not resolved.by_reference:
            return response
        return self._cache_headers(request, response, resolved.entry)

    def _cache_headers(self, request: Request, response: Response, entry: Entry | None) -> Response:
        http_cache = entry.http_cache if entry is not None else NO_STORE
        if http_cache == NO_STORE or response.status_code != 200 or _has_errors(response.body):
            response.headers["Cache-Control"] = "no-store"
            return response
        anonymous = "authorization" not in request.headers
        if http_cache == PUBLIC and anonymous:
            control = (
                f"public, max-age={self.settings.public_max_age_s}, "
                f"stale-while-revalidate={self.settings.public_stale_while_revalidate_s}"
            )
        else:
            # A signed-in viewer's copy is theirs alone; a profile view must reach us to count.
            control = "no-cache" if anonymous else "private, no-cache"
        etag = '"' + hashlib.sha256(_answer_bytes(response.body)).hexdigest()[:32] + '"'
        if _matches(request.headers.get("if-none-match"), etag):
            not_modified = Response(
                status_code=304, headers={"Cache-Control": control, "ETag": etag}
            )
            not_modified.headers.add_vary_header("Authorization")
            return not_modified
        response.headers["Cache-Control"] = control
        response.headers["ETag"] = etag
        response.headers.add_vary_header("Authorization")
        return response


def _only_queries(text: str) -> bool:
    definitions = parse(text).definitions
    return all(
        d.operation is OperationType.QUERY
        for d in definitions
        if isinstance(d, OperationDefinitionNode)
    )


def _answer_bytes(body: bytes | memoryview) -> bytes:
    """The answer without its extensions (statement count, HIT/MISS): what the ETag covers, so
    a response-cache hit and the miss before it carry the same tag."""
    decoded = orjson.loads(bytes(body))
    return orjson.dumps({"data": decoded.get("data")})


def _has_errors(body: bytes | memoryview) -> bool:
    try:
        decoded = orjson.loads(bytes(body))
    except orjson.JSONDecodeError:
        return True
    return not isinstance(decoded, dict) or bool(decoded.get("errors"))


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag in tags
