"""Reading a feed body into validated rows: JSON or CSV, bad rows reported by line.

A body that cannot be read as a whole (not UTF-8, not JSON, CSV without the required
columns, cut off mid-row) raises ``FeedFormatError`` and the feed fails. A row that is
wrong on its own becomes a ``RowError`` with its line and the rest of the feed goes on.
Lines are CSV line numbers (the header is line 1), or a JSON row's position in ``rows``.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

import orjson

from hmsdesk_graph.db.enums import CareSetting, PackageKind, Ward
from hmsdesk_graph.ingest import values
from hmsdesk_graph.ingest.values import BadValue

FeedFormat = Literal["json", "csv"]
REQUIRED_COLUMNS = ("external_ref", "name", "kind", "price_min", "price_max")
KINDS = frozenset(k.value for k in PackageKind)
WARDS = frozenset(w.value for w in Ward)
SETTINGS = frozenset(s.value for s in CareSetting)
# Validating is CPU work: hand the event loop back this often so other feeds' downloads
# keep flowing while a big feed is checked.
YIELD_EVERY = 2000


class FeedFormatError(Exception):
    """The body as a whole cannot be read; nothing from it may be applied."""


@dataclass(slots=True)  # not frozen: a frozen init costs ~2x, 100k times
class PackageValues:
    """What a feed says about one price package, money in paise (as read, or as stored)."""

    external_ref: str
    name: str
    kind: str
    ward: str | None
    setting: str | None
    procedure: str | None
    lab_test_ids: tuple[int, ...]
    price_min_paise: int
    price_max_paise: int
    list_price_paise: int | None
    offer_price_paise: int | None
    valid_until: datetime | None


@dataclass(slots=True)
class PriceRow(PackageValues):
    """One valid feed row, ready to compare with what is stored (``StoredPackage``)."""

    line: int

    def to_json(self) -> dict[str, Any]:
        """The row as JSON (kept with a quarantined price so it can be accepted later): every
        field by its name, the test ids as a list and the valid-until time in ISO 8601."""
        values = asdict(self)
        values["lab_test_ids"] = list(self.lab_test_ids)
        values["valid_until"] = None if self.valid_until is None else self.valid_until.isoformat()
        return values


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row was rejected: (field, reason) pairs, reasons never quote the value."""

    line: int
    external_ref: str | None
    problems: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        return "; ".join(f"{name} {reason}" if name else reason for name, reason in self.problems)

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "ref": self.external_ref, "error": self.describe()}


@dataclass
class ParsedFeed:
    rows: list[PriceRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    read: int = 0
    # Every external_ref the feed lists, rejected rows included: those are not "vanished".
    listed_refs: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class _Record:
    line: int
    fields: Mapping[str, Any] | None
    problem: str | None = None


def _json_records(body: bytes) -> Iterator[_Record]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise FeedFormatError("body is not valid JSON (malformed or truncated)") from None
    if isinstance(document, dict):
        currency = document.get("currency", "INR")
        if currency != "INR":
            raise FeedFormatError("feed currency is not INR")
        items = document.get("rows")
    else:
        items = document
    if not isinstance(items, list):
        raise FeedFormatError('JSON feed must be a list of rows or an object with "rows"')
    for position, item in enumerate(items, start=1):
        if isinstance(item, dict):
            yield _Record(position, item)
        else:
            yield _Record(position, None, "row is not a JSON object")


def _csv_records(body: bytes) -> Iterator[_Record]:
    try:
        content = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FeedFormatError("CSV body is not UTF-8") from None
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise FeedFormatError("CSV body is empty") from None
    except csv.Error:
        raise FeedFormatError("CSV header cannot be read") from None
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise FeedFormatError("CSV header lacks required columns: " + ", ".join(missing))
    if len(set(header)) != len(header):
        raise FeedFormatError("CSV header names a column twice")
    ends_cleanly = content.endswith(("\n", "\r"))
    pending: _Record | None = None
    next_line = reader.line_num + 1
    try:
        for cells in reader:
            line, next_line = next_line, reader.line_num + 1
            if not cells:
                continue  # a blank line
            if pending is not None:
                yield pending
            if len(cells) == len(header):
                pending = _Record(line, dict(zip(header, cells, strict=True)))
            else:
                problem = f"row has {len(cells)} fields, the header has {len(header)}"
                pending = _Record(line, None, problem)
    except csv.Error:
        raise FeedFormatError(f"CSV cannot be read after line {next_line - 1}") from None
    if pending is not None:
        if pending.fields is None and not ends_cleanly:
            # A short last row with no line break is a body cut off in transit.
            raise FeedFormatError("CSV body ends mid-row (truncated)")
        yield pending


def records(body: bytes, fmt: FeedFormat) -> Iterator[_Record]:
    """The body's rows in order, each with its line (raises FeedFormatError)."""
    return _json_records(body) if fmt == "json" else _csv_records(body)


class RowContext:
    """What validating rows needs, plus caches: feeds repeat the same valid_until and the
    same lab-test slugs on thousands of rows, and parsing each once matters at 100k rows."""

    def __init__(self, lab_tests: Mapping[str, int], now: datetime) -> None:
        self.lab_tests = lab_tests
        self.now = now
        self._until: dict[str, datetime | None] = {}
        self._tests: dict[str, tuple[int, ...]] = {}
        self._amounts: dict[str, int] = {}

    def paise(self, value: Any, *, required: bool) -> int | None:
        # Price lists round to ₹10 or ₹50, so a few thousand strings cover 100k rows.
        if isinstance(value, str) and value:
            found = self._amounts.get(value)
            if found is None:
                found = values.paise(value, required=required)
                assert found is not None  # a non-empty string parses or raises
                self._amounts[value] = found
            return found
        return values.paise(value, required=required)

    def valid_until(self, value: Any) -> datetime | None:
        if not isinstance(value, str):
            return values.valid_until(value, self.now)
        if value not in self._until:
            self._until[value] = values.valid_until(value, self.now)
        return self._until[value]

    def lab_test_ids(self, value: Any) -> tuple[int, ...]:
        if not isinstance(value, str):
            return _lab_test_ids(value, self.lab_tests)
        found = self._tests.get(value)
        if found is None:
            found = self._tests[value] = _lab_test_ids(value, self.lab_tests)
        return found


def _cross_checks(
    kind: str | None,
    ward: str | None,
    tests: tuple[int, ...] | None,
    listed: int | None,
    offer: int | None,
    currency: Any,
) -> list[tuple[str, str]]:
    """Rules between fields (each field on its own is already valid or reported)."""
    problems = []
    if currency not in (None, "", "INR"):
        problems.append(("currency", "is not INR"))
    if offer is not None and listed is not None and offer > listed:
        problems.append(("offer_price", "is above list_price"))
    if kind == PackageKind.LAB_TEST and tests == ():
        problems.append(("lab_test_slug", "is required for a LAB_TEST row"))
    if kind == PackageKind.ROOM_RENT and ward is None:
        problems.append(("ward", "is required for a ROOM_RENT row"))
    return problems


def _choice(value: Any, allowed: frozenset[str], *, required: bool) -> str | None:
    # Fast path: the exact code, as nearly every row has it.
    if isinstance(value, str) and value in allowed:
        return value
    if not required and (value is None or value == ""):
        return None
    return values.choice(value, allowed, required=required)


def validate(line: int, record: Mapping[str, Any], ctx: RowContext) -> PriceRow | RowError:
    """One record as a PriceRow, or the RowError saying everything that is wrong with it.

    A minimum above the maximum is *not* an error here: it is an anomaly, quarantined later.
    """
    get = record.get
    try:
        kind = _choice(get("kind"), KINDS, required=True)
        ward = _choice(get("ward"), WARDS, required=False)
        tests = ctx.lab_test_ids(get("lab_test_slug"))
        listed = ctx.paise(get("list_price"), required=False)
        offer = ctx.paise(get("offer_price"), required=False)
        if _cross_checks(kind, ward, tests, listed, offer, get("currency")):
            raise BadValue("cross-field")
        return PriceRow(
            values.external_ref(get("external_ref")),
            values.text(get("name"), required=True, max_length=200),  # type: ignore[arg-type]
            kind,  # type: ignore[arg-type]
            ward,
            _choice(get("setting"), SETTINGS, required=False),
            values.slug(get("procedure_slug")),
            tests,
            ctx.paise(get("price_min"), required=True),  # type: ignore[arg-type]
            ctx.paise(get("price_max"), required=True),  # type: ignore[arg-type]
            listed,
            offer,
            ctx.valid_until(get("valid_until")),
            line=line,
        )
    except BadValue:
        return _diagnose(line, record, ctx)


def _diagnose(line: int, record: Mapping[str, Any], ctx: RowContext) -> RowError:
    """Every problem of a row known to be bad (the slow path: bad rows are few)."""
    problems: list[tuple[str, str]] = []

    def check(name: str, parse: Callable[[], Any]) -> Any:
        try:
            return parse()
        except BadValue as exc:
            problems.append((name, str(exc)))
            return None

    get = record.get
    ref = check("external_ref", lambda: values.external_ref(get("external_ref")))
    check("name", lambda: values.text(get("name"), required=True, max_length=200))
    kind = check("kind", lambda: values.choice(get("kind"), KINDS, required=True))
    ward = check("ward", lambda: values.choice(get("ward"), WARDS, required=False))
    check("setting", lambda: values.choice(get("setting"), SETTINGS, required=False))
    check("procedure_slug", lambda: values.slug(get("procedure_slug")))
    tests = check("lab_test_slug", lambda: ctx.lab_test_ids(get("lab_test_slug")))
    check("price_min", lambda: values.paise(get("price_min"), required=True))
    check("price_max", lambda: values.paise(get("price_max"), required=True))
    listed = check("list_price", lambda: values.paise(get("list_price"), required=False))
    offer = check("offer_price", lambda: values.paise(get("offer_price"), required=False))
    check("valid_until", lambda: ctx.valid_until(get("valid_until")))
    reported = {name for name, _ in problems}
    for name, reason in _cross_checks(kind, ward, tests, listed, offer, get("currency")):
        if name not in reported:
            problems.append((name, reason))
    return RowError(line, ref, tuple(problems))


def _lab_test_ids(value: Any, lab_tests: Mapping[str, int]) -> tuple[int, ...]:
    ids = []
    for test_slug in values.slugs(value):
        test_id = lab_tests.get(test_slug)
        if test_id is None:
            raise BadValue("names a lab test that is not in the catalogue")
        ids.append(test_id)
    return tuple(sorted(set(ids)))


async def parse_feed(
    body: bytes,
    fmt: FeedFormat,
    lab_tests: Mapping[str, int],
    now: datetime,
    on_rows: Callable[[int], None] | None = None,
) -> ParsedFeed:
    """Read and validate a whole feed (raises FeedFormatError when it cannot be read).

    A repeated external_ref is rejected on its second and later lines.
    """
    parsed = ParsedFeed()
    ctx = RowContext(lab_tests, now)
    first_line: dict[str, int] = {}
    for record in records(body, fmt):
        parsed.read += 1
        if record.fields is None:
            parsed.errors.append(RowError(record.line, None, (("", record.problem or ""),)))
        else:
            outcome = validate(record.line, record.fields, ctx)
            ref = outcome.external_ref
            if ref is not None and ref in first_line:
                reason = f"repeats the row on line {first_line[ref]}"
                parsed.errors.append(RowError(record.line, ref, (("external_ref", reason),)))
            elif isinstance(outcome, RowError):
                parsed.errors.append(outcome)
            else:
                parsed.rows.append(outcome)
            if ref is not None:
                first_line.setdefault(ref, record.line)
                parsed.listed_refs.add(ref)
        if parsed.read % YIELD_EVERY == 0:
            if on_rows is not None:
                on_rows(YIELD_EVERY)
            await asyncio.sleep(0)
    if on_rows is not None:
        on_rows(parsed.read % YIELD_EVERY)
    return parsed
