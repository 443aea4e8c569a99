"""Which documents the response cache may keep, and which entity tags they depend on.

Decided from the document and the schema, conservatively: a query is cacheable only when every
field it selects sits on a public type listed here (types the public catalogue, profiles,
search and price screens are made of; none of their resolvers asks who the viewer is) and is
not one of the live or viewer-dependent fields below. Anything else (Patient, Appointment,
contact reveals, Reach dashboards, node(id:), introspection, a type added later and not yet
reviewed) makes the whole document uncacheable. Mutations are never cached; they name the tags
they invalidate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    is_leaf_type,
    visit,
)


class Tag(StrEnum):
    """What a cached answer depends on; every write bumps the tags of what it changed."""

    ALL = "all"  # on every entry: erasure, feed ingestion and unknown writes bump it
    PRACTITIONER = "practitioner"
    HOSPITAL = "hospital"
    CENTER = "center"
    CITY = "city"  # cities, localities, specialties, lab tests: the catalogue
    PRICE = "price"  # price packages, whoever owns them
    REVIEW = "review"
    CAMPAIGN = "campaign"
    BOOKING = "booking"


LISTINGS = (Tag.PRACTITIONER, Tag.HOSPITAL, Tag.CENTER, Tag.CITY, Tag.PRICE, Tag.REVIEW)
SEARCH = (*LISTINGS, Tag.CAMPAIGN, Tag.BOOKING)

# Root query fields whose answer is the same for every viewer, with the tags their rows (and
# filters, orderings and counts over rows not shown) depend on.
ROOT_TAGS: dict[str, tuple[Tag, ...]] = {
    "practitioner": (Tag.PRACTITIONER,),
    "hospital": (Tag.HOSPITAL,),
    "diagnosticCenter": (Tag.CENTER,),
    "cities": (Tag.CITY,),
    "specialties": (Tag.CITY,),
    "labTests": (Tag.CITY,),
    "practitioners": LISTINGS,
    "hospitals": LISTINGS,
    "diagnosticCenters": LISTINGS,
    "searchPractitioners": SEARCH,
    "searchHospitals": SEARCH,
    "searchDiagnosticCenters": SEARCH,
    "searchPackages": SEARCH,
    "priceComparison": (Tag.PRICE, *LISTINGS),
    "suggest": LISTINGS,
}

# Public object types (reviewed: no personal field, no resolver reading the viewer) and the
# tags of the rows they show.
TYPE_TAGS: dict[str, tuple[Tag, ...]] = {
    "Practitioner": (Tag.PRACTITIONER,),
    "PractitionerRole": (Tag.PRACTITIONER, Tag.HOSPITAL),
    "Qualification": (Tag.PRACTITIONER,),
    "Fees": (Tag.PRACTITIONER,),
    "WeeklyHours": (Tag.PRACTITIONER,),
    "Hospital": (Tag.HOSPITAL,),
    "DiagnosticCenter": (Tag.CENTER,),
    "Accreditation": (Tag.HOSPITAL, Tag.CENTER),
    "Provider": (Tag.PRACTITIONER, Tag.HOSPITAL, Tag.CENTER),
    "City": (Tag.CITY,),
    "Locality": (Tag.CITY,),
    "Specialty": (Tag.CITY,),
    "LabTest": (Tag.CITY,),
    "GeoPoint": (),
    "Suggestion": LISTINGS,
    "PricePackage": (Tag.PRICE,),
    "PriceRange": (Tag.PRICE,),
    "PriceSource": (Tag.PRICE,),
    "PriceComparison": (Tag.PRICE,),
    "Review": (Tag.REVIEW,),
    "ReviewAuthor": (Tag.REVIEW,),
    "ReviewReply": (Tag.REVIEW,),
    "ReviewSummary": (Tag.REVIEW,),
    "RatingCount": (Tag.REVIEW,),
    "FacetValue": (),
    "PageInfo": (),
}
for _name in ("Practitioner", "Hospital", "DiagnosticCenter", "LabTest", "PricePackage", "Review"):
    TYPE_TAGS[f"{_name}Connection"] = ()
    TYPE_TAGS[f"{_name}Edge"] = ()
for _name in ("Practitioner", "Hospital", "DiagnosticCenter", "Package"):
    TYPE_TAGS[f"{_name}SearchConnection"] = (Tag.CAMPAIGN,)
    TYPE_TAGS[f"{_name}SearchEdge"] = (Tag.CAMPAIGN,)
    TYPE_TAGS[f"{_name}Facets"] = ()

# Fields of public types that are still not cacheable: live partner answers (open slots,
# instant-booking status), which change without any write this service sees.
LIVE_FIELDS = frozenset(
    {
        ("PractitionerRole", "nextAvailableSlot"),
        ("PractitionerRole", "availability"),
        ("PractitionerRole", "instantBookingStatus"),
    }
)

# What each mutation changes. A mutation missing here bumps ALL (a new write path is never
# silently left out); one that changes nothing public maps to no tag.
MUTATION_TAGS: dict[str, tuple[Tag, ...]] = {
    "createCampaign": (Tag.CAMPAIGN,),
    "pauseCampaign": (Tag.CAMPAIGN,),
    "resumeCampaign": (Tag.CAMPAIGN,),
    "endCampaign": (Tag.CAMPAIGN,),
    "upsertPricePackages": (Tag.PRICE,),
    # Bookings change counts, instant-booking eligibility and what search may filter on.
    "bookAppointment": (Tag.BOOKING, Tag.PRACTITIONER, Tag.CENTER),
    "cancelAppointment": (Tag.BOOKING, Tag.PRACTITIONER, Tag.CENTER),
    "rescheduleAppointment": (Tag.BOOKING, Tag.PRACTITIONER, Tag.CENTER),
    "markAppointment": (Tag.BOOKING, Tag.PRACTITIONER, Tag.CENTER),
    "submitReview": (Tag.REVIEW,),
    "replyToReview": (Tag.REVIEW,),
    "moderateReview": (Tag.REVIEW,),
    # A name on a published review disappears (erasure, deactivation) or comes back.
    "eraseMyData": (Tag.ALL,),
    "deactivateMyAccount": (Tag.REVIEW,),
    "reactivateAccount": (Tag.REVIEW,),
    "recordConsent": (),
    "exportMyData": (),
    "revealContactNumber": (),
}


@dataclass(frozen=True)
class Policy:
    """What the cache does with one document."""

    cacheable: bool  # a query touching public fields only
    tags: frozenset[str]  # depended on (queries) or invalidated (mutations)
    mutation: bool = False
    # Response-key paths from `data` to the edge lists a sponsored placement fills (see
    # sponsored_edge_paths); empty: a sponsored answer is not kept.
    edge_paths: tuple[tuple[str, ...], ...] = ()


NOT_CACHEABLE = Policy(cacheable=False, tags=frozenset())


class _Walk(Visitor):
    def __init__(self, schema: GraphQLSchema, info: TypeInfo) -> None:
        super().__init__()
        self.schema = schema
        self.info = info
        self.public = True
        self.mutation = False
        self.tags: set[str] = {Tag.ALL.value}
        self.invalidates: set[str] = set()

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
        if node.operation is OperationType.MUTATION:
            self.mutation = True
        elif node.operation is not OperationType.QUERY:
            self.public = False

    def enter_field(self, node: FieldNode, *_: object) -> None:
        name = node.name.value
        parent = self.info.get_parent_type()
        if parent is None:
            self.public = False
            return
        if name == "__typename":
            return
        if parent is self.schema.mutation_type:
            self.invalidates.update(MUTATION_TAGS.get(name, (Tag.ALL,)))
            return
        if parent is self.schema.query_type:
            root = ROOT_TAGS.get(name)
            if root is None:
                self.public = False
            else:
                self.tags.update(root)
            return
        if parent.name not in TYPE_TAGS or (parent.name, name) in LIVE_FIELDS:
            self.public = False
            return
        self.tags.update(TYPE_TAGS[parent.name])
        field = self.info.get_field_def()
        if field is None:
            self.public = False
            return
        returned = get_named_type(field.type)
        if not is_leaf_type(returned) and returned.name not in TYPE_TAGS:
            self.public = False


def policy_for(schema: GraphQLSchema, document: DocumentNode) -> Policy:
    """The cache policy of a parsed document (every operation in it, conservatively)."""
    info = TypeInfo(schema)
    walk = _Walk(schema, info)
    visit(document, TypeInfoVisitor(info, walk))
    if walk.mutation:
        return Policy(cacheable=False, tags=frozenset(walk.invalidates), mutation=True)
    if not walk.public:
        return NOT_CACHEABLE
    return Policy(
        cacheable=True, tags=frozenset(walk.tags), edge_paths=sponsored_edge_paths(document)
    )


# The one root field whose answer carries sponsored edges (search/sponsored.py).
SPONSORED_ROOT = "searchPractitioners"


def _fields(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> list[FieldNode]:
    """The fields of a selection set with fragments inlined; None for any @skip/@include
    (a field that may be left out cannot be relied on to hold the edges)."""
    found: list[FieldNode] = []
    for selection in selection_set.selections if selection_set else ():
        if selection.directives:
            raise _Unsure
        if isinstance(selection, FieldNode):
            found.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            found += _fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen:
                raise _Unsure
            found += _fields(fragment.selection_set, fragments, seen | {name})
    return found


class _Unsure(Exception):
    pass


def sponsored_edge_paths(document: DocumentNode) -> tuple[tuple[str, ...], ...]:
    """Where sponsored edges sit in the answer: (root key, edges key) for each `edges` under
    the document's single ``searchPractitioners`` field; empty when that is not certain (several
    operations or such fields, conditional selections), and the cache then never keeps an
    answer that met a running campaign."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    if len(operations) != 1:
        return ()
    try:
        roots = [
            f
            for f in _fields(operations[0].selection_set, fragments)
            if f.name.value == SPONSORED_ROOT
        ]
        if len(roots) != 1:
            return ()
        root = roots[0]
        edges = [f for f in _fields(root.selection_set, fragments) if f.name.value == "edges"]
    except _Unsure:
        return ()
    root_key = (root.alias or root.name).value
    return tuple(sorted({(root_key, (e.alias or e.name).value) for e in edges}))


def tag_values(tags: Iterable[Tag | str]) -> list[str]:
    """Tags as sorted, distinct strings (the order statements and keys use)."""
    return sorted({str(t) for t in tags})
