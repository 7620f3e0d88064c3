"""smartcity-exchange/1: read, check, import and export a catalogue document.

The JSON Schema beside this module (``exchange.schema.json``) checks the shape; this module
checks what a schema cannot (references, duplicated ids, calendar dates, ranges, what the
database can hold) and maps the format onto the catalogue models. Vendors and solutions are
stored here; other sections (needs, leads, queries, judgements) are validated here and stored
by whichever app registers a handler with ``register_section``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import jsonschema
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy
from simple_history.utils import bulk_create_with_history

from .models import (
    KPI_VALUE_LIMIT,
    Certification,
    Kpi,
    Organisation,
    Pilot,
    ReviewEvent,
    Solution,
)
from .vocabularies import COUNTRY_CODES, CURRENCY_CODES  # noqa: F401  (re-exported)

FORMAT = "smartcity-exchange/1"
SCHEMA_PATH = Path(__file__).with_name("exchange.schema.json")
SCHEMA: dict = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
SECTIONS = ("vendors", "solutions", "needs", "leads", "queries", "judgements")
PLUGGABLE_SECTIONS = ("needs", "leads", "queries", "judgements")
ERROR_LISTING_CAP = 1000

_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BATCH = 500
_MAX_POSITIVE_INT = 2_147_483_647  # PositiveIntegerField on PostgreSQL
_PRICE_INTEGER_DIGITS = 16  # DecimalField(max_digits=18, decimal_places=2)

# What the database columns can hold: (dotted key within an item, max characters).
_MAX_LENGTHS = {
    "vendors": [("id", 64), ("name.en", 200), ("name.ko", 200), ("website", 200)],
    "solutions": [("id", 64), ("name.en", 200), ("name.ko", 200)],
    "certifications": [("number", 100), ("issuer", 200)],
    "pilots": [("city", 200)],
    "kpis": [("indicator", 300), ("iso37122", 32), ("unit", 50)],
}


# --- errors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExchangeError:
    """One problem in a document: where (a JSON path such as ``solutions[3].trl``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ExchangeInvalid(Exception):
    """The document cannot be imported; ``errors`` lists every problem found."""

    def __init__(self, errors: Iterable[ExchangeError]):
        self.errors = list(errors)
        count = len(self.errors)
        super().__init__(
            ngettext(
                "%(count)s problem(s) in the document",
                "%(count)s problem(s) in the document",
                count,
            )
            % {"count": count}
        )

    def lines(self, limit: int = ERROR_LISTING_CAP) -> list[str]:
        """The problems as text, the first ``limit`` of them and a count of the rest."""
        shown = [str(error) for error in self.errors[:limit]]
        if len(self.errors) > limit:
            shown.append(_("… and %(count)s more") % {"count": len(self.errors) - limit})
        return shown


def format_path(*parts: str | int) -> str:
    """``("solutions", 3, "trl")`` -> ``"solutions[3].trl"``; the document itself is ``$``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "$"


# --- sections other apps store --------------------------------------------------------------


@dataclass(frozen=True)
class SectionHandler:
    name: str
    validate: Callable[[list, dict], Iterable[ExchangeError]]
    import_items: Callable[..., tuple[int, int]]
    export_items: Callable[[], Iterable[dict]]
    exists: Callable[[set[str]], set[str]] | None = None


_handlers: dict[str, SectionHandler] = {}


def register_section(
    name: str,
    *,
    validate: Callable[[list, dict], Iterable[ExchangeError]],
    import_items: Callable[..., tuple[int, int]],
    export_items: Callable[[], Iterable[dict]],
    exists: Callable[[set[str]], set[str]] | None = None,
) -> None:
    """Let an app store a section: needs, leads, queries or judgements.

    ``validate(items, document)`` yields further ``ExchangeError``s (full paths, see
    ``format_path``); it runs only when the section's shape passed the schema.
    ``import_items(items, *, publish, actor)`` stores them inside the import's transaction and
    returns ``(created, updated)``. ``export_items()`` returns the section's items.
    ``exists(ids)`` (optional) returns which of ``ids`` are already stored, so judgements may
    refer to them.
    """
    if name not in PLUGGABLE_SECTIONS:
        raise ValueError(f"{name!r} is not a section other apps store: {PLUGGABLE_SECTIONS}")
    _handlers[name] = SectionHandler(name, validate, import_items, export_items, exists)


def unregister_section(name: str) -> None:
    """Forget the handler of a section (tests)."""
    _handlers.pop(name, None)


# --- reading --------------------------------------------------------------------------------


def load_document(path_or_file: str | os.PathLike | IO) -> dict:
    """Read a JSON document from a path or an open file; refuse unreadable input clearly."""
    if isinstance(path_or_file, str | os.PathLike):
        try:
            raw = Path(path_or_file).read_bytes()
        except OSError as exc:
            message = _("cannot read %(file)s: %(error)s") % {"file": path_or_file, "error": exc}
            raise ExchangeInvalid([ExchangeError("$", message)])
    else:
        raw = path_or_file.read()
    return parse_document(raw)


def parse_document(raw: bytes | str) -> dict:
    """Parse UTF-8 JSON text (a BOM is allowed) into a dict; ExchangeInvalid otherwise."""
    if isinstance(raw, bytes):
        raw = _decode(raw)
    text = raw.removeprefix("\ufeff")
    if not text.strip():
        raise _invalid(_("the file is empty"))
    duplicates: list[str] = []

    def pairs_hook(pairs):
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            duplicates.extend(k for k, _ in pairs if k in seen or seen.add(k))
        return obj

    def reject_constant(name):
        raise ValueError(_("%(name)s is not a JSON number") % {"name": name})

    try:
        data = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=reject_constant)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise _invalid(
                _(
                    "the JSON ends too early (line %(line)s, column %(column)s): "
                    "is the file truncated?"
                )
                % {"line": exc.lineno, "column": exc.colno}
            )
        raise _invalid(
            _("not valid JSON: %(error)s at line %(line)s, column %(column)s")
            % {"error": exc.msg, "line": exc.lineno, "column": exc.colno}
        )
    except ValueError as exc:
        raise _invalid(_("not valid JSON: %(error)s") % {"error": exc})
    if not isinstance(data, dict):
        raise _invalid(_not_an_object(data))
    if duplicates:
        raise ExchangeInvalid(
            [
                ExchangeError("$", _("key %(key)r appears twice in one object") % {"key": key})
                for key in duplicates
            ]
        )
    return data


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _invalid(_("the file is UTF-16; save it as UTF-8"))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        hint = ""
        try:
            raw.decode("cp949")
            hint = _("; it looks like CP949/EUC-KR (Korean Windows), save it as UTF-8")
        except UnicodeDecodeError:
            pass
        raise _invalid(
            _(
                "not UTF-8: byte 0x%(byte)02x at line %(line)s, column %(column)s "
                "(offset %(offset)s)"
            )
            % {"byte": raw[exc.start], "line": line, "column": column, "offset": exc.start}
            + hint
        )


def _invalid(message: str) -> ExchangeInvalid:
    return ExchangeInvalid([ExchangeError("$", message)])


def _not_an_object(data: Any) -> str:
    return _("the document must be a JSON object, not %(type)s") % {"type": _json_type(data)}


# --- validation -----------------------------------------------------------------------------

Found = tuple[tuple, str]  # (path parts, message)


def validate_document(data: Any) -> list[ExchangeError]:
    """Every problem in ``data`` (shape, vocabularies, references, dates, ranges, limits)."""
    if not isinstance(data, dict):
        return [ExchangeError("$", _not_an_object(data))]
    found: list[Found] = list(_schema_problems(data))
    shapeless = {parts[0] for parts, _ in found if parts}
    found.extend(_content_problems(data))
    for name, handler in _handlers.items():
        items = data.get(name)
        if isinstance(items, list) and name not in shapeless:
            extra = list(handler.validate(items, data))
            found.extend((_parts_of(error.path), error.message) for error in extra)
    rank = {name: i for i, name in enumerate(SECTIONS)}

    def order(item: Found):
        parts = item[0]
        section = rank.get(parts[0], -1) if parts else -1
        index = parts[1] if len(parts) > 1 and isinstance(parts[1], int) else -1
        return (section, index)

    found.sort(key=order)
    return [ExchangeError(format_path(*parts), message) for parts, message in dict.fromkeys(found)]


_PATH_TOKEN = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


def _parts_of(path: str) -> tuple:
    if path == "$":
        return ()
    return tuple(int(i) if i else key for i, key in _PATH_TOKEN.findall(path))


_TYPE_NAMES = {
    "object": pgettext_lazy("JSON type", "an object {…}"),
    "array": pgettext_lazy("JSON type", "a list […]"),
    "string": pgettext_lazy("JSON type", "text"),
    "integer": pgettext_lazy("JSON type", "a whole number"),
    "number": pgettext_lazy("JSON type", "a number"),
    "boolean": pgettext_lazy("JSON type", "true or false"),
    "null": "null",
}
# The schema's titles of its vocabularies and shapes, as people read them.
_TITLES = {
    "id": pgettext_lazy("exchange schema", "id"),
    "bilingual text": pgettext_lazy("exchange schema", "bilingual text"),
    "date (YYYY-MM-DD)": pgettext_lazy("exchange schema", "date (YYYY-MM-DD)"),
    "web address (http:// or https://)": pgettext_lazy(
        "exchange schema", "web address (http:// or https://)"
    ),
    "ISO 3166-1 alpha-2 country code": pgettext_lazy(
        "exchange schema", "ISO 3166-1 alpha-2 country code"
    ),
    "ISO 4217 currency code": pgettext_lazy("exchange schema", "ISO 4217 currency code"),
    "category": pgettext_lazy("exchange schema", "category"),
    "certification type": pgettext_lazy("exchange schema", "certification type"),
    "tier": pgettext_lazy("exchange schema", "tier"),
    "vendor size": pgettext_lazy("exchange schema", "vendor size"),
    "deployment": pgettext_lazy("exchange schema", "deployment"),
    "pricing model": pgettext_lazy("exchange schema", "pricing model"),
    "better": pgettext_lazy("exchange schema", "better"),
    "financing": pgettext_lazy("exchange schema", "financing"),
    "lead source": pgettext_lazy("exchange schema", "lead source"),
    "language tag (BCP 47, e.g. ko, en, vi)": pgettext_lazy(
        "exchange schema", "language tag (BCP 47, e.g. ko, en, vi)"
    ),
    "name (text or bilingual text)": pgettext_lazy(
        "exchange schema", "name (text or bilingual text)"
    ),
}


def _title(title: str) -> str:
    return str(_TITLES.get(title, title))


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return pgettext("JSON type", "true/false")
    if isinstance(value, dict):
        return pgettext("JSON type", "an object")
    if isinstance(value, list):
        return pgettext("JSON type", "a list")
    if isinstance(value, str):
        return pgettext("JSON type", "text")
    if isinstance(value, int | float):
        return pgettext("JSON type", "a number")
    return "null"


def _schema_problems(data: dict) -> Iterable[Found]:
    for error in _VALIDATOR.iter_errors(data):
        yield from _explain(error)


def _explain(error: jsonschema.ValidationError) -> Iterable[Found]:
    parts = tuple(error.absolute_path)
    kind, schema, value = error.validator, error.schema, error.instance
    expected_type = schema.get("type") if isinstance(schema, dict) else None
    if kind in ("enum", "pattern", "minLength", "minimum", "maximum", "minProperties"):
        if expected_type == "string" and not isinstance(value, str):
            return  # the type error says it better
    title = schema.get("title", "") if isinstance(schema, dict) else ""
    if kind == "required":
        for key in error.validator_value:
            if isinstance(value, dict) and key not in value:
                yield parts + (key,), _("missing (required)")
    elif kind == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        for key in value:
            if key not in allowed:
                yield (
                    parts + (key,),
                    _("unknown key (allowed: %(keys)s)") % {"keys": ", ".join(allowed)},
                )
    elif kind == "type":
        names = expected_type if isinstance(expected_type, list) else [expected_type]
        wanted = _(" or ").join(str(_TYPE_NAMES.get(n, n)) for n in names)
        yield (
            parts,
            _("must be %(wanted)s, not %(type)s")
            % {
                "wanted": wanted,
                "type": _json_type(value),
            },
        )
    elif kind == "enum":
        options = schema["enum"]
        listing = (
            _(" (one of: %(options)s)") % {"options": ", ".join(options)}
            if len(options) <= 20
            else ""
        )
        if title:
            message = _("not a known %(title)s: %(value)r") % {
                "title": _title(title),
                "value": value,
            }
        else:
            message = _("not a known value: %(value)r") % {"value": value}
        yield parts, message + listing
    elif kind == "pattern":
        if title:
            message = _("not a %(title)s: %(value)r") % {"title": _title(title), "value": value}
        else:
            message = _("not a valid value: %(value)r") % {"value": value}
        yield parts, message
    elif kind == "const":
        yield (
            parts,
            _("must be %(expected)r, not %(value)r")
            % {
                "expected": error.validator_value,
                "value": value,
            },
        )
    elif kind in ("minLength", "minItems"):
        yield parts, _("must not be empty")
    elif kind == "minProperties":
        yield parts, _("needs at least one language: en or ko")
    elif kind == "minimum":
        yield (
            parts,
            _("must be at least %(limit)s, not %(value)r")
            % {
                "limit": error.validator_value,
                "value": value,
            },
        )
    elif kind == "maximum":
        yield (
            parts,
            _("must be at most %(limit)s, not %(value)r")
            % {
                "limit": error.validator_value,
                "value": value,
            },
        )
    elif kind == "anyOf":
        yield from _explain_any_of(error, parts, title)
    else:
        yield parts, error.message


def _explain_any_of(error, parts, title) -> Iterable[Found]:
    branches: dict[int, list] = {}
    for sub in error.context or ():
        branches.setdefault(sub.schema_path[0], []).append(sub)
    fitting = [
        subs
        for subs in branches.values()
        if not any(sub.validator == "type" and not sub.relative_path for sub in subs)
    ]
    if len(fitting) == 1:
        for sub in fitting[0]:
            yield from _explain(sub)
    else:
        expected = _title(title) if title else _("one of the allowed forms")
        yield (
            parts,
            _("must be %(wanted)s, not %(type)s")
            % {"wanted": expected, "type": _json_type(error.instance)},
        )


def _items(data: dict, name: str) -> list[tuple[int, dict]]:
    items = data.get(name)
    if not isinstance(items, list):
        return []
    return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]


def _children(item: dict, key: str) -> list[tuple[int, dict]]:
    values = item.get(key)
    if not isinstance(values, list):
        return []
    return [(i, value) for i, value in enumerate(values) if isinstance(value, dict)]


def _get(item: dict, dotted: str) -> Any:
    value: Any = item
    for key in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _date(value: Any) -> dt.date | None:
    """The date, or None when absent or already refused by the schema's pattern."""
    if isinstance(value, str) and _DATE_SHAPE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _date_problems(item: dict, keys: Iterable[str], at: tuple) -> Iterable[Found]:
    for key in keys:
        value = item.get(key)
        if isinstance(value, str) and _DATE_SHAPE.fullmatch(value) and _date(value) is None:
            yield at + (key,), _("not a date: %(value)r (no such day)") % {"value": value}


def _order_problem(item: dict, first: str, last: str, at: tuple) -> Iterable[Found]:
    start, end = _date(item.get(first)), _date(item.get(last))
    if start and end and start > end:
        yield (
            at + (last,),
            _("%(end)s is before %(first)s (%(start)s)")
            % {
                "end": end.isoformat(),
                "first": first,
                "start": start.isoformat(),
            },
        )


def _length_problems(item: dict, kind: str, at: tuple) -> Iterable[Found]:
    for dotted, limit in _MAX_LENGTHS[kind]:
        value = _get(item, dotted)
        if isinstance(value, str) and len(value) > limit:
            yield (
                at + tuple(dotted.split(".")),
                _("too long to store: %(length)s characters, at most %(limit)s")
                % {"length": len(value), "limit": limit},
            )


def _blank_text_problems(item: dict, keys: Iterable[str], at: tuple) -> Iterable[Found]:
    """Bilingual texts whose language is only whitespace: as empty as "" (which the schema
    refuses), and no text a person could read."""
    for key in keys:
        value = item.get(key)
        if not isinstance(value, dict):
            continue
        for language, text in value.items():
            if isinstance(text, str) and text and not text.strip():
                yield at + (key, language), _("must not be empty")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _amount(value: Any) -> Decimal | None:
    if not _is_number(value):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def too_large_message(value: Any) -> str:
    """Why an amount cannot be stored (shared with matching's budget checks)."""
    return _("too large to store: %(value)r") % {"value": value}


def _duplicated(key: str, first: str) -> str:
    return _("duplicated id %(id)r (first at %(first)s)") % {"id": key, "first": first}


def _content_problems(data: dict) -> Iterable[Found]:
    ids: dict[str, dict[str, int]] = {}
    for name in ("vendors", "solutions", "needs", "leads", "queries"):
        seen: dict[str, int] = {}
        for i, item in _items(data, name):
            key = item.get("id")
            if isinstance(key, str):
                first = seen.setdefault(key, i)
                if first != i:
                    yield (name, i, "id"), _duplicated(key, f"{name}[{first}]")
        ids[name] = seen

    targets: dict[str, str] = {}
    for name in ("needs", "leads", "queries"):
        for key, i in ids[name].items():
            if key in targets:
                yield (
                    (name, i, "id"),
                    _("id %(id)r is also used at %(where)s; a judgement could not tell them apart")
                    % {"id": key, "where": targets[key]},
                )
            else:
                targets[key] = f"{name}[{i}]"

    yield from _vendor_problems(data, ids["vendors"])
    yield from _solution_problems(data, set(ids["vendors"]))
    for name in ("needs", "leads"):
        for i, item in _items(data, name):
            yield from _date_problems(item, ("deadline",), (name, i))
    yield from _judgement_problems(data, targets, set(ids["solutions"]))


def _vendor_problems(data: dict, vendor_ids: dict[str, int]) -> Iterable[Found]:
    taken = dict(
        Organisation.objects.filter(exchange_id__in=list(vendor_ids))
        .exclude(kind=Organisation.Kind.VENDOR)
        .values_list("exchange_id", "kind")
    )
    for i, item in _items(data, "vendors"):
        yield from _length_problems(item, "vendors", ("vendors", i))
        yield from _blank_text_problems(item, ("name",), ("vendors", i))
        if isinstance(item.get("id"), str) and item["id"] in taken:
            yield (
                ("vendors", i, "id"),
                _("%(id)r already names an organisation that is not a vendor (%(kind)s)")
                % {"id": item["id"], "kind": taken[item["id"]]},
            )


def _solution_problems(data: dict, vendor_ids: set[str]) -> Iterable[Found]:
    solutions = _items(data, "solutions")
    # The schema reports non-string vendors; only strings can be looked up (or hashed).
    wanted = {item.get("vendor") for _, item in solutions if isinstance(item.get("vendor"), str)}
    wanted -= vendor_ids
    known = set(
        Organisation.objects.filter(
            kind=Organisation.Kind.VENDOR, exchange_id__in=list(wanted)
        ).values_list("exchange_id", flat=True)
    )
    for i, item in solutions:
        at = ("solutions", i)
        vendor = item.get("vendor")
        if isinstance(vendor, str) and vendor not in vendor_ids and vendor not in known:
            yield (
                at + ("vendor",),
                _("unknown vendor %(vendor)r: not in this file's vendors nor in the catalogue")
                % {"vendor": vendor},
            )
        yield from _length_problems(item, "solutions", at)
        yield from _blank_text_problems(item, ("name", "summary", "description"), at)
        price = item.get("price")
        if isinstance(price, dict):
            for key in ("min", "max"):
                amount = _amount(price.get(key))
                if amount is None:
                    continue
                if amount.is_nan():  # JSON cannot write NaN, a Python caller can
                    yield (
                        at + ("price", key),
                        _("not a valid value: %(value)r") % {"value": price[key]},
                    )
                elif amount.is_infinite():  # 1e400 in JSON: Python reads it as infinity
                    if amount > 0:  # the schema's minimum reports -infinity
                        yield at + ("price", key), too_large_message(price[key])
                elif amount.as_tuple().exponent < -2:  # type: ignore[operator]
                    yield (
                        at + ("price", key),
                        _("more than 2 decimal places: %(value)r") % {"value": price[key]},
                    )
                elif amount >= Decimal(10) ** _PRICE_INTEGER_DIGITS:
                    yield at + ("price", key), too_large_message(price[key])
            low, high = _amount(price.get("min")), _amount(price.get("max"))
            if (
                low is not None
                and high is not None
                and not (low.is_nan() or high.is_nan())
                and low > high
            ):
                yield (
                    at + ("price", "max"),
                    _("%(max)r is less than min (%(min)r)")
                    % {
                        "max": price["max"],
                        "min": price["min"],
                    },
                )
        for c, cert in _children(item, "certifications"):
            cat = at + ("certifications", c)
            yield from _length_problems(cert, "certifications", cat)
            yield from _date_problems(cert, ("valid_from", "valid_until"), cat)
            yield from _order_problem(cert, "valid_from", "valid_until", cat)
        for p, pilot in _children(item, "pilots"):
            pat = at + ("pilots", p)
            yield from _length_problems(pilot, "pilots", pat)
            yield from _blank_text_problems(pilot, ("summary",), pat)
            yield from _date_problems(pilot, ("start", "end"), pat)
            yield from _order_problem(pilot, "start", "end", pat)
            population = pilot.get("population")
            if _is_number(population) and population > _MAX_POSITIVE_INT:
                yield pat + ("population",), too_large_message(population)
            for k, kpi in _children(pilot, "kpis"):
                kat = pat + ("kpis", k)
                yield from _length_problems(kpi, "kpis", kat)
                for key in ("baseline", "result"):
                    value = kpi.get(key)
                    if key not in kpi:
                        # The spec lets these be absent, but a stored KPI is baseline -> result.
                        yield (
                            kat + (key,),
                            _(
                                "missing: this catalogue stores a KPI only with both baseline "
                                "and result"
                            ),
                        )
                    elif _is_number(value):
                        yield from _kpi_value_problems(value, kat + (key,))


def _kpi_value_problems(value: int | float, at: tuple) -> Iterable[Found]:
    limit = f"{KPI_VALUE_LIMIT:g}"
    if value != value:  # NaN: JSON cannot write it, a Python caller can
        yield at, _("not a valid value: %(value)r") % {"value": value}
    elif value > KPI_VALUE_LIMIT:  # also 1e400 in JSON, which Python reads as infinity
        yield at, _("must be at most %(limit)s, not %(value)r") % {"limit": limit, "value": value}
    elif value < -KPI_VALUE_LIMIT:
        yield (
            at,
            _("must be at least %(limit)s, not %(value)r") % {"limit": f"-{limit}", "value": value},
        )


def _judgement_problems(data: dict, targets: dict[str, str], solution_ids: set[str]):
    judgements = _items(data, "judgements")
    if not judgements:
        return
    wanted_targets = {j.get("for") for _, j in judgements if isinstance(j.get("for"), str)}
    stored_targets: set[str] = set()
    for name in ("needs", "leads", "queries"):
        handler = _handlers.get(name)
        if handler and handler.exists:
            stored_targets |= set(handler.exists(wanted_targets - set(targets)))
    wanted_solutions = {
        j.get("solution") for _, j in judgements if isinstance(j.get("solution"), str)
    } - solution_ids
    stored_solutions = set(
        Solution.objects.filter(exchange_id__in=list(wanted_solutions)).values_list(
            "exchange_id", flat=True
        )
    )
    pairs: dict[tuple[str, str], int] = {}
    for i, judgement in judgements:
        at = ("judgements", i)
        target, solution = judgement.get("for"), judgement.get("solution")
        if isinstance(target, str) and target not in targets and target not in stored_targets:
            yield at + ("for",), _("unknown need, lead or query %(id)r") % {"id": target}
        if (
            isinstance(solution, str)
            and solution not in solution_ids
            and solution not in stored_solutions
        ):
            yield at + ("solution",), _("unknown solution %(id)r") % {"id": solution}
        if isinstance(target, str) and isinstance(solution, str):
            first = pairs.setdefault((target, solution), i)
            if first != i:
                yield (
                    at,
                    _("judges %(solution)r for %(target)r again (first at judgements[%(first)s])")
                    % {"solution": solution, "target": target, "first": first},
                )


# --- import ---------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did, per section; ``not_stored`` sections were validated only."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    not_stored: dict[str, int] = field(default_factory=dict)
    changed_solution_ids: list[int] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per section, in document order."""
        out = []
        for name in SECTIONS:
            if name in self.not_stored:
                out.append(
                    _("%(section)s: %(count)s validated, not stored")
                    % {"section": name, "count": self.not_stored[name]}
                )
            elif name in self.created or name in self.updated:
                line = _("%(section)s: %(created)s created, %(updated)s updated") % {
                    "section": name,
                    "created": self.created.get(name, 0),
                    "updated": self.updated.get(name, 0),
                }
                if name in self.unchanged:
                    line += _(", %(count)s unchanged") % {"count": self.unchanged[name]}
                out.append(line)
        return out


def import_document(data: dict, *, publish: bool = True, actor=None, progress=None) -> ImportReport:
    """Validate, then store the whole document in one transaction (or nothing).

    Ids are upsert keys. ``publish`` makes solutions published, their evidence verified and
    vendors approved; otherwise solutions are drafts with pending evidence. ``progress(done,
    total)`` is called as items are stored.
    """
    report = ImportReport()
    vendors = data.get("vendors", []) if isinstance(data, dict) else []
    solutions = data.get("solutions", []) if isinstance(data, dict) else []
    with transaction.atomic():
        errors = validate_document(data)
        if errors:
            raise ExchangeInvalid(errors)
        handled = [name for name in PLUGGABLE_SECTIONS if name in data and name in _handlers]
        total = len(vendors) + len(solutions) + sum(len(data[name]) for name in handled)
        done = 0

        def advance(count: int = 1) -> None:
            nonlocal done
            done += count
            if progress is not None:
                progress(done, total)

        if progress is not None:
            progress(0, total)
        importer = _Importer(publish=publish, actor=actor, report=report, advance=advance)
        importer.vendors(vendors)
        importer.solutions(solutions)
        for name in handled:
            created, updated = _handlers[name].import_items(
                data[name], publish=publish, actor=actor
            )
            report.created[name], report.updated[name] = created, updated
            report.unchanged[name] = len(data[name]) - created - updated
            advance(len(data[name]))
        _schedule_reindex(list(dict.fromkeys(report.changed_solution_ids)))
    for name in PLUGGABLE_SECTIONS:
        if name in data and name not in _handlers:
            report.not_stored[name] = len(data[name])
    return report


def _schedule_reindex(solution_ids: list[int]) -> None:
    from search import indexing

    if not solution_ids:
        return
    # One engine commit for the whole import when search offers a batch call; otherwise the
    # documented per-solution hook (one commit each: slow for big imports, but correct).
    batch = getattr(indexing, "sync_solutions", None)
    if callable(batch):
        transaction.on_commit(functools.partial(batch, solution_ids), robust=True)
        return
    for solution_id in solution_ids:
        transaction.on_commit(
            functools.partial(indexing.solution_changed, solution_id), robust=True
        )


def _bilingual_fields(prefix: str, value: Any) -> dict[str, str]:
    value = value if isinstance(value, dict) else {}
    return {f"{prefix}_en": value.get("en", ""), f"{prefix}_ko": value.get("ko", "")}


def _vendor_fields(item: dict) -> dict[str, Any]:
    return {
        **_bilingual_fields("name", item["name"]),
        "country": item.get("country", ""),
        "size": item.get("size", ""),
        "website": item.get("website", ""),
    }


def _solution_fields(item: dict) -> dict[str, Any]:
    price = item.get("price", {})
    return {
        **_bilingual_fields("name", item["name"]),
        **_bilingual_fields("summary", item.get("summary")),
        **_bilingual_fields("description", item.get("description")),
        "category": item["category"],
        "tags": item.get("tags", []),
        "standards": item.get("standards", []),
        "deployment": item.get("deployment", []),
        "price_min": _amount(price.get("min")),
        "price_max": _amount(price.get("max")),
        "currency": price.get("currency", ""),
        "pricing_model": price.get("model", ""),
        "languages": item.get("languages", []),
        "trl": item.get("trl"),
        "reference_countries": item.get("reference_countries", []),
    }


def _certification_fields(item: dict) -> dict[str, Any]:
    return {
        "type": item.get("type", ""),
        "number": item.get("number", ""),
        "issuer": item.get("issuer", ""),
        "valid_from": _date(item.get("valid_from")),
        "valid_until": _date(item.get("valid_until")),
    }


def _pilot_fields(item: dict) -> dict[str, Any]:
    return {
        "city": item.get("city", ""),
        "country": item.get("country", ""),
        "tier": item.get("tier", ""),
        "population": item.get("population"),
        "start": _date(item.get("start")),
        "end": _date(item.get("end")),
        **_bilingual_fields("summary", item.get("summary")),
    }


def _kpi_fields(item: dict) -> dict[str, Any]:
    return {
        "indicator": item.get("indicator", ""),
        "iso37122": item.get("iso37122") or "",
        "baseline": float(item["baseline"]),
        "result": float(item["result"]),
        "unit": item.get("unit", ""),
        "better": item.get("better", ""),
    }


def _same(obj, fields: dict[str, Any]) -> bool:
    return all(getattr(obj, key) == value for key, value in fields.items())


class _Importer:
    def __init__(self, *, publish: bool, actor, report: ImportReport, advance):
        self.publish = publish
        self.actor = actor
        self.report = report
        self.advance = advance
        self.now = timezone.now()
        self.vendor_by_id: dict[str, Organisation] = {}
        self.verification = (
            Certification.Verification.VERIFIED if publish else Certification.Verification.PENDING
        )
        self.status = Solution.Status.PUBLISHED if publish else Solution.Status.DRAFT

    def _count(self, name: str, outcome: str) -> None:
        counts = getattr(self.report, outcome)
        counts[name] = counts.get(name, 0) + 1
        for other in ("created", "updated", "unchanged"):
            getattr(self.report, other).setdefault(name, 0)

    def vendors(self, items: list[dict]) -> None:
        existing = {
            org.exchange_id: org
            for org in Organisation.objects.filter(
                kind=Organisation.Kind.VENDOR, exchange_id__in=[item["id"] for item in items]
            )
        }
        renamed: list[int] = []
        for item in items:
            fields = _vendor_fields(item)
            org = existing.get(item["id"])
            if org is None:
                org = Organisation(exchange_id=item["id"], kind=Organisation.Kind.VENDOR, **fields)
                outcome = "created"
            elif _same(org, fields) and (org.is_approved or not self.publish):
                self.vendor_by_id[item["id"]] = org
                self._count("vendors", "unchanged")
                self.advance()
                continue
            else:
                for key, value in fields.items():
                    setattr(org, key, value)
                renamed.append(org.pk)
                outcome = "updated"
            if self.publish and not org.is_approved:
                org.status = Organisation.Status.APPROVED
                org.approved_at = self.now
                org.approved_by = self.actor
            org._history_user = self.actor
            org.save()
            self.vendor_by_id[item["id"]] = org
            self._count("vendors", outcome)
            self.advance()
        if renamed:  # vendor names are part of what search finds
            self.report.changed_solution_ids.extend(
                Solution.objects.filter(vendor_id__in=renamed).values_list("pk", flat=True)
            )

    def solutions(self, items: list[dict]) -> None:
        missing = {item["vendor"] for item in items} - set(self.vendor_by_id)
        for org in Organisation.objects.filter(
            kind=Organisation.Kind.VENDOR, exchange_id__in=list(missing)
        ):
            self.vendor_by_id[org.exchange_id] = org
        for start in range(0, len(items), _BATCH):
            self._solution_batch(items[start : start + _BATCH])

    def _solution_batch(self, items: list[dict]) -> None:
        existing = {
            sol.exchange_id: sol
            for sol in Solution.objects.filter(
                exchange_id__in=[item["id"] for item in items]
            ).prefetch_related("certifications", "pilots__kpis")
        }
        replaced: list[int] = []
        certifications: list[Certification] = []
        pilots: list[tuple[Pilot, list[Kpi]]] = []
        events: list[ReviewEvent] = []
        for item in items:
            vendor = self.vendor_by_id[item["vendor"]]
            fields = _solution_fields(item)
            cert_rows = [_certification_fields(c) for c in item.get("certifications", [])]
            pilot_rows = [
                (_pilot_fields(p), [_kpi_fields(k) for k in p.get("kpis", [])])
                for p in item.get("pilots", [])
            ]
            solution = existing.get(item["id"])
            if solution is not None and self._unchanged(
                solution, vendor, fields, cert_rows, pilot_rows
            ):
                self._count("solutions", "unchanged")
                self.advance()
                continue
            was_published = solution is not None and solution.status == Solution.Status.PUBLISHED
            if solution is None:
                solution = Solution(exchange_id=item["id"], vendor=vendor, **fields)
                outcome = "created"
            else:
                for key, value in fields.items():
                    setattr(solution, key, value)
                solution.vendor = vendor
                solution.version += 1
                replaced.append(solution.pk)
                outcome = "updated"
            solution.status = self.status
            if self.publish:
                solution.published_at = solution.published_at or self.now
                solution.changed_since_review = False
            solution._history_user = self.actor
            solution.save()
            if self.publish and not was_published:
                events.append(
                    ReviewEvent(
                        solution=solution,
                        action=ReviewEvent.Action.PUBLISH,
                        reason=ReviewEvent.IMPORTED_REASON,
                        actor=self.actor,
                    )
                )
            certifications.extend(
                Certification(solution=solution, **row, **self._verified()) for row in cert_rows
            )
            for pilot_row, kpi_rows in pilot_rows:
                pilot = Pilot(solution=solution, **pilot_row, **self._verified())
                pilots.append((pilot, [Kpi(**row) for row in kpi_rows]))
            self.report.changed_solution_ids.append(solution.pk)
            self._count("solutions", outcome)
            self.advance()
        if replaced:
            Certification.objects.filter(solution_id__in=replaced).delete()
            Pilot.objects.filter(solution_id__in=replaced).delete()
        self._create(Certification, certifications)
        self._create(Pilot, [pilot for pilot, _ in pilots])
        kpis = []
        for pilot, pilot_kpis in pilots:
            for kpi in pilot_kpis:
                kpi.pilot = pilot
                kpis.append(kpi)
        self._create(Kpi, kpis)
        ReviewEvent.objects.bulk_create(events)

    def _verified(self) -> dict[str, Any]:
        if not self.publish:
            return {"verification": self.verification}
        return {
            "verification": self.verification,
            "verified_by": self.actor,
            "verified_at": self.now,
        }

    def _create(self, model, objects: list) -> None:
        if not objects:
            return
        if connection.features.can_return_rows_from_bulk_insert:
            bulk_create_with_history(objects, model, batch_size=500, default_user=self.actor)
        else:
            for obj in objects:
                obj._history_user = self.actor
                obj.save()

    def _unchanged(self, solution, vendor, fields, cert_rows, pilot_rows) -> bool:
        if solution.vendor_id != vendor.pk or solution.status != self.status:
            return False
        if not _same(solution, fields):
            return False
        certs = list(solution.certifications.all())
        pilots = list(solution.pilots.all())
        if len(certs) != len(cert_rows) or len(pilots) != len(pilot_rows):
            return False
        for cert, row in zip(certs, cert_rows, strict=True):
            if cert.verification != self.verification or not _same(cert, row):
                return False
        for pilot, (row, kpi_rows) in zip(pilots, pilot_rows, strict=True):
            if pilot.verification != self.verification or not _same(pilot, row):
                return False
            kpis = list(pilot.kpis.all())
            if len(kpis) != len(kpi_rows):
                return False
            if not all(_same(kpi, kpi_row) for kpi, kpi_row in zip(kpis, kpi_rows, strict=True)):
                return False
        return True


# --- export ---------------------------------------------------------------------------------


def export_document(*, solutions=None, include_unpublished: bool = False) -> dict:
    """The catalogue (or the given solutions) as a smartcity-exchange/1 document.

    By default only published solutions and approved vendors; ``include_unpublished`` exports
    every status. Registered sections add their own items.
    """
    queryset = Solution.objects.all()
    if solutions is not None:
        if isinstance(solutions, Solution.objects._queryset_class):
            queryset = queryset.filter(pk__in=solutions.values("pk"))
        else:
            keys = [s.pk if isinstance(s, Solution) else s for s in solutions]
            queryset = queryset.filter(pk__in=keys)
    if not include_unpublished:
        queryset = queryset.published()
    queryset = (
        queryset.select_related("vendor")
        .prefetch_related("certifications", "pilots__kpis")
        .order_by("pk")
    )
    solution_items = []
    vendors: dict[int, Organisation] = {}
    for solution in queryset.iterator(chunk_size=_BATCH):
        vendors.setdefault(solution.vendor_id, solution.vendor)
        solution_items.append(_solution_item(solution))
    if solutions is None:
        more = Organisation.objects.filter(kind=Organisation.Kind.VENDOR)
        if not include_unpublished:
            more = more.filter(status=Organisation.Status.APPROVED)
        for org in more.exclude(pk__in=list(vendors)):
            vendors[org.pk] = org
    document: dict[str, Any] = {
        "format": FORMAT,
        "vendors": [_vendor_item(vendors[pk]) for pk in sorted(vendors)],
        "solutions": solution_items,
    }
    for name in PLUGGABLE_SECTIONS:
        handler = _handlers.get(name)
        if handler is not None:
            items = list(handler.export_items())
            if items:
                document[name] = items
    return document


def _vendor_key(org: Organisation) -> str:
    return org.exchange_id or f"v-{org.pk}"


def _text(en: str, ko: str) -> dict[str, str]:
    text = {}
    if en:
        text["en"] = en
    if ko:
        text["ko"] = ko
    return text


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _put(item: dict, key: str, value: Any) -> None:
    """Optional fields: empty text, empty lists and None stay absent."""
    if value not in ("", None, [], {}):
        item[key] = value


def _vendor_item(org: Organisation) -> dict:
    item = {"id": _vendor_key(org), "name": _text(org.name_en, org.name_ko)}
    _put(item, "country", org.country)
    _put(item, "size", org.size)
    _put(item, "website", org.website)
    return item


def _solution_item(solution: Solution) -> dict:
    item = {
        "id": solution.public_id,
        "vendor": _vendor_key(solution.vendor),
        "name": _text(solution.name_en, solution.name_ko),
    }
    _put(item, "summary", _text(solution.summary_en, solution.summary_ko))
    _put(item, "description", _text(solution.description_en, solution.description_ko))
    item["category"] = solution.category
    _put(item, "tags", solution.tags)
    _put(item, "standards", solution.standards)
    _put(item, "deployment", solution.deployment)
    price: dict[str, Any] = {}
    if solution.price_min is not None:
        price["min"] = _number(solution.price_min)
    if solution.price_max is not None:
        price["max"] = _number(solution.price_max)
    _put(price, "currency", solution.currency)
    _put(price, "model", solution.pricing_model)
    _put(item, "price", price)
    _put(item, "languages", solution.languages)
    _put(item, "trl", solution.trl)
    _put(item, "reference_countries", solution.reference_countries)
    # Evidence lists are always written: an empty list says "none", which matters to buyers.
    item["certifications"] = [_certification_item(c) for c in solution.certifications.all()]
    item["pilots"] = [_pilot_item(p) for p in solution.pilots.all()]
    return item


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _certification_item(cert: Certification) -> dict:
    item: dict[str, Any] = {}
    _put(item, "type", cert.type)
    _put(item, "number", cert.number)
    _put(item, "issuer", cert.issuer)
    _put(item, "valid_from", _iso(cert.valid_from))
    _put(item, "valid_until", _iso(cert.valid_until))
    return item


def _pilot_item(pilot: Pilot) -> dict:
    item: dict[str, Any] = {}
    _put(item, "city", pilot.city)
    _put(item, "country", pilot.country)
    _put(item, "tier", pilot.tier)
    _put(item, "population", pilot.population)
    _put(item, "start", _iso(pilot.start))
    _put(item, "end", _iso(pilot.end))
    _put(item, "summary", _text(pilot.summary_en, pilot.summary_ko))
    item["kpis"] = [_kpi_item(k) for k in pilot.kpis.all()]
    return item


def _kpi_item(kpi: Kpi) -> dict:
    item: dict[str, Any] = {}
    _put(item, "indicator", kpi.indicator)
    item["iso37122"] = kpi.iso37122 or None  # the format writes "not mapped" as null
    item["baseline"] = kpi.baseline
    item["result"] = kpi.result
    _put(item, "unit", kpi.unit)
    _put(item, "better", kpi.better)
    return item


def dump_document(document: dict) -> str:
    """The document as UTF-8-ready JSON text: Korean unescaped, two-space indent."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
