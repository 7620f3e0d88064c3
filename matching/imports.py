"""Lead imports from CSV (the column set of ``data/leads-template.csv``) and OCDS JSON.

Every import validates the whole file first and writes in one transaction: a file with any
error imports nothing, and the report names each problem (``row 12, column budget_max`` or
``releases[3].tender.value.amount``). OCDS packages are streamed with ``ijson``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import ijson
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from catalogue.permissions import ensure_organisation_approved
from catalogue.vocabularies import COUNTRY_CODES, CURRENCY_CODES, CertificationType, LeadSource

from .models import Lead
from .validators import amount_problem

DATA = Path(__file__).parent / "data"
TEMPLATE = DATA / "leads-template.csv"
CSV_COLUMNS = (
    "id", "source", "url", "country", "city", "buyer", "title_en", "title_ko", "description_en",
    "description_ko", "category", "budget_max", "budget_currency", "financing",
    "required_certifications", "deadline",
)  # fmt: skip
FORMULA_PREFIXES = ("=", "+", "-", "@")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
Progress = Callable[[int, int], None] | None


@dataclass
class ImportReport:
    """What an import did (or, with errors, why it did nothing)."""

    format: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    lead_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_dict(self) -> dict[str, list[str]]:
        """Errors as the API shows them: {where: [reasons]}."""
        found: dict[str, list[str]] = {}
        for where, reason in self.errors:
            found.setdefault(where, []).append(reason)
        return found

    def as_dict(self) -> dict:
        return {
            "format": self.format,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "lead_ids": self.lead_ids,
            "errors": [{"where": w, "reason": r} for w, r in self.errors],
            "warnings": [{"where": w, "reason": r} for w, r in self.warnings],
        }


class LeadImportInvalid(ValidationError):
    """The file was refused; ``report.errors`` says where and why."""

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__(report.error_dict())


# -- tables kept in the repo ---------------------------------------------------------------


def _rows(name: str) -> list[list[str]]:
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.reader(handle) if r and not r[0].startswith("#")]
    return rows[1:]


@cache
def classification_table(scheme: str) -> dict[str, str]:
    """Code prefix -> category for ``cpv`` or ``unspsc``."""
    return {prefix: category for prefix, category, *_ in _rows(f"{scheme}_categories.csv")}


@cache
def _country_names() -> dict[str, str]:
    names = {}
    for code, alternatives in _rows("country_names.csv"):
        names[code.casefold()] = code
        for name in alternatives.split("|"):
            names[name.strip().casefold()] = code
    return names


@cache
def _ocid_prefixes() -> dict[str, str]:
    return {prefix: country for prefix, country, *_ in _rows("ocid_prefixes.csv")}


def category_for_code(scheme: str, code: str) -> str:
    """Our category for a CPV or UNSPSC code (longest prefix in the table), or ""."""
    table = classification_table(scheme)
    digits = re.split(r"[-.]", str(code).strip(), maxsplit=1)[0]
    if not digits.isdigit():
        return ""
    for length in range(len(digits), 0, -1):
        if digits[:length] in table:
            return table[digits[:length]]
    return ""


def country_code(name: str) -> str:
    """ISO 3166-1 alpha-2 code for a country name or code; "" when unknown."""
    return _country_names().get(str(name).strip().casefold(), "")


def country_from_ocid(ocid: str) -> str:
    """The country of a single-country publisher, from the ocid prefix; "" when unknown."""
    match = re.match(r"^(ocds-[a-z0-9]{6})", str(ocid))
    return _ocid_prefixes().get(match.group(1), "") if match else ""


# -- shared checks -------------------------------------------------------------------------


def _lead_errors(data: dict, where: Callable[[str], str]) -> list[tuple[str, str]]:
    """Model-level checks of one lead's fields, with ``where(field)`` naming each."""
    lead = Lead(**{k: v for k, v in data.items() if k != "exchange_id"})
    try:
        # The one constraint (a title) is checked by the callers; validating it here would
        # cost a query per row (10,000 rows: 40 s), and the database still enforces it.
        lead.full_clean(
            exclude=["organisation", "created_by", "exchange_id"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        return [
            (where(name), " ".join(str(m).rstrip(".") for m in messages))
            for name, messages in exc.message_dict.items()
        ]
    return []


def _write(
    rows: list[dict], *, actor, report: ImportReport, progress: Progress, match: bool = True
) -> None:
    organisation = getattr(actor, "organisation", None) if actor is not None else None
    with transaction.atomic():
        for done, data in enumerate(rows, start=1):
            exchange_id = data.pop("exchange_id", "") or None
            fields = {**data, "organisation": organisation, "created_by": actor}
            if exchange_id:
                lead, created = Lead.objects.update_or_create(
                    exchange_id=exchange_id, defaults=fields
                )
            else:
                lead, created = _same_lead(fields), False
                if lead is None:
                    lead, created = Lead.objects.create(**fields), True
                else:
                    for name, value in fields.items():
                        setattr(lead, name, value)
                    lead.save()
            report.created += created
            report.updated += not created
            report.lead_ids.append(lead.pk)
            if progress:
                progress(done, len(rows))
        if report.lead_ids and match:
            lead_ids = list(report.lead_ids)
            transaction.on_commit(lambda: _match_later(lead_ids))


def _same_lead(fields: dict) -> Lead | None:
    """The organisation's lead that an id-less row describes again, if any.

    A row without an id is the same tender when it points at the same notice (source and URL),
    or, with no URL, has the same buyer, country, titles and deadline. Importing a file twice,
    or retrying a failed upload, then updates those leads instead of duplicating them.
    """
    same = Lead.objects.filter(organisation=fields["organisation"])
    if fields.get("url"):
        same = same.filter(source=fields.get("source", LeadSource.OTHER), url=fields["url"])
    else:
        same = same.filter(
            url="",
            country=fields.get("country", ""),
            buyer=fields.get("buyer", ""),
            title_ko=fields.get("title_ko", ""),
            title_en=fields.get("title_en", ""),
            deadline=fields.get("deadline"),
        )
    return same.order_by("id").first()


def _match_later(lead_ids: list[int]) -> None:
    from .services import lead_match

    for lead in Lead.objects.filter(id__in=lead_ids, status=Lead.Status.OPEN):
        lead_match(lead=lead)


def _check_actor(actor) -> None:
    if actor is None:
        return  # management commands and jobs run as the system
    if not (actor.is_authenticated and (actor.kind == "agency" or actor.is_operator())):
        raise PermissionDenied(_("Only export-agency users may import leads."))
    ensure_organisation_approved(actor)


def _existing_elsewhere(rows: list[dict], actor, report: ImportReport, where) -> None:
    """An id already used by another agency's lead may not be overwritten."""
    if actor is None or actor.is_operator():
        return
    ids = {r["exchange_id"]: i for i, r in enumerate(rows) if r.get("exchange_id")}
    taken = (
        Lead.objects.filter(exchange_id__in=list(ids))
        .exclude(organisation_id=actor.organisation_id)
        .exclude(organisation__isnull=True)
        .values_list("exchange_id", flat=True)
    )
    for exchange_id in taken:
        report.errors.append((where(ids[exchange_id]), _("is another organisation's lead")))


def _warn_unconvertible(report: ImportReport, currencies) -> None:
    """A budget in a currency the rates table cannot convert is kept, and said: matching then
    cannot compare it with prices (its explanations say "price not comparable")."""
    from .selectors import rates_on

    rates = rates_on()
    for where, currency in currencies:
        if currency and currency in CURRENCY_CODES and currency not in rates:
            report.warnings.append(
                (
                    where,
                    _(
                        "no exchange rate for %(currency)s: the budget is not compared with "
                        "prices until an operator adds its rate"
                    )
                    % {"currency": currency},
                )
            )


# -- CSV -----------------------------------------------------------------------------------


def _decode(raw: bytes, report: ImportReport) -> str | None:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        position = exc.start
    # Korean spreadsheets often save CSV as CP949; accept it only when it plainly is Korean.
    try:
        text = raw.decode("cp949")
    except UnicodeDecodeError:
        text = None
    if text is not None and _HANGUL.search(text):
        report.warnings.append(
            ("file", _("not UTF-8: read as CP949 (Korean Windows); save as CSV UTF-8 next time"))
        )
        return text
    report.errors.append(
        (
            "file",
            _("not UTF-8 (byte %(position)s is not valid); save the sheet as CSV UTF-8")
            % {"position": position},
        )
    )
    return None


def _not_a_type(cert: str) -> str:
    return _("%(value)r is not a type") % {"value": cert}


def _cleaned_number(value: str) -> str:
    return value.replace(",", "").replace("_", "").strip()


def _number(value: str) -> Decimal:
    number = Decimal(_cleaned_number(value))
    if not number.is_finite():
        raise InvalidOperation
    return number


def _csv_row(
    row: dict[str, str], line: int, report: ImportReport
) -> tuple[dict, list[tuple[str, str]]]:
    def where(column: str) -> str:
        return f"row {line}, column {column}"

    cells = {k: (v or "").strip() for k, v in row.items() if k in CSV_COLUMNS}
    errors: list[tuple[str, str]] = []
    for column, value in cells.items():
        if value.startswith(FORMULA_PREFIXES) and column not in ("budget_max",):
            report.warnings.append(
                (where(column), _("starts with %(char)r: kept as text") % {"char": value[0]})
            )
    data: dict = {
        "exchange_id": cells.get("id", ""),
        "source": cells.get("source") or LeadSource.OTHER,
        "url": cells.get("url", ""),
        "country": cells.get("country", "").upper(),
        "city": cells.get("city", ""),
        "buyer": cells.get("buyer", ""),
        "title_en": cells.get("title_en", ""),
        "title_ko": cells.get("title_ko", ""),
        "description_en": cells.get("description_en", ""),
        "description_ko": cells.get("description_ko", ""),
        "category": cells.get("category", "").lower(),
        "budget_currency": cells.get("budget_currency", "").upper(),
        "financing": cells.get("financing", "").lower(),
        "budget_max": None,
        "deadline": None,
        "required_certifications": [],
    }
    if len(data["exchange_id"]) > 64:
        errors.append((where("id"), _("longer than 64 characters")))
    if not data["country"]:
        errors.append((where("country"), _("is required")))
    if not data["title_en"] and not data["title_ko"]:
        errors.append((where("title_en"), _("a title in English or Korean is required")))
    if cells.get("budget_max"):
        try:
            data["budget_max"] = _number(cells["budget_max"])
        except (InvalidOperation, ValueError):
            errors.append((where("budget_max"), _("not a number")))
        else:
            if problem := amount_problem(_cleaned_number(cells["budget_max"])):
                errors.append((where("budget_max"), problem))
            if not data["budget_currency"]:
                errors.append((where("budget_currency"), _("is required with budget_max")))
    if data["budget_currency"] and data["budget_currency"] not in CURRENCY_CODES:
        errors.append((where("budget_currency"), _("not an ISO 4217 code such as USD")))
    if data["country"] and data["country"] not in COUNTRY_CODES:
        errors.append((where("country"), _("not an ISO 3166-1 alpha-2 code such as VN")))
    if cells.get("deadline"):
        try:
            data["deadline"] = dt.date.fromisoformat(cells["deadline"])
        except ValueError:
            errors.append((where("deadline"), _("not a date (YYYY-MM-DD)")))
    for cert in filter(None, (c.strip().lower() for c in re.split(r"[;|]", cells.get(
        "required_certifications", ""
    )))):  # fmt: skip
        if cert not in CertificationType.values:
            errors.append((where("required_certifications"), _not_a_type(cert)))
        else:
            data["required_certifications"].append(cert)
    checked = {"deadline", "budget_max", "budget_currency", "country", "title_en", "title_ko"}
    for name, reason in _lead_errors(data, lambda name: name):
        # the model names both titles; this row's check already named title_en
        column = "title_en" if name in ("__all__", "title_ko") else name
        if column in checked and any(w == where(column) for w, _ in errors):
            continue
        errors.append((where(column), reason))
    return data, errors


def leads_import_csv(file, *, actor, progress: Progress = None, match: bool = True) -> ImportReport:
    """Import leads from a CSV file (bytes or text); nothing is written if any row is wrong."""
    _check_actor(actor)
    report = ImportReport(format="csv")
    raw = file.read()
    text = _decode(raw, report) if isinstance(raw, bytes) else raw.lstrip("\ufeff")
    if text is None:
        raise LeadImportInvalid(report)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    unknown = [h for h in header if h not in CSV_COLUMNS]
    for name in unknown:
        report.errors.append((f"column {name}", _("unknown column (see leads-template.csv)")))
    if not header:
        report.errors.append(("file", _("empty: the first row must name the columns")))
    rows: list[dict] = []
    if not report.errors:
        try:
            for line, row in enumerate(reader, start=2):
                if None in row:
                    report.errors.append((f"row {line}", _("more cells than columns")))
                    continue
                if not any((v or "").strip() for v in row.values()):
                    continue
                data, errors = _csv_row(row, line, report)
                report.errors += errors
                data["_line"] = line
                rows.append(data)
        except csv.Error as exc:
            report.errors.append(
                (f"row {reader.line_num}", _("not valid CSV: %(error)s") % {"error": exc})
            )
    if not rows and not report.errors:
        report.errors.append(("file", _("no leads: only a header row")))
    first_line: dict[str, int] = {}
    for row in rows:  # two rows with one id would silently merge into one lead
        if row["exchange_id"] and row["exchange_id"] in first_line:
            where = f"row {row['_line']}, column id"
            same = _("same id as row %(row)s") % {"row": first_line[row["exchange_id"]]}
            report.errors.append((where, same))
        first_line.setdefault(row["exchange_id"], row["_line"])
    _existing_elsewhere(rows, actor, report, lambda i: f"row {rows[i]['_line']}, column id")
    if report.errors:
        raise LeadImportInvalid(report)
    _warn_unconvertible(
        report, ((f"row {r['_line']}, column budget_currency", r["budget_currency"]) for r in rows)
    )
    for row in rows:
        row.pop("_line")
    # match=False: the caller (a job) matches the leads itself, with progress.
    _write(rows, actor=actor, report=report, progress=progress, match=match)
    return report


# -- OCDS ----------------------------------------------------------------------------------

CLOSED_TENDER = {"complete", "cancelled", "unsuccessful", "withdrawn"}


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _date(value, path: str, errors: list) -> dt.date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        errors.append((path, _("not a date-time string")))
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            errors.append((path, _("%(value)r is not an ISO 8601 date-time") % {"value": value}))
            return None


def _classification_category(tender: dict, path: str) -> str:
    votes: dict[str, int] = {}
    for item in tender.get("items") or []:
        if not isinstance(item, dict):
            continue
        classifications = [item.get("classification")] + list(
            item.get("additionalClassifications") or []
        )
        for c in classifications:
            if not isinstance(c, dict):
                continue
            scheme = _text(c.get("scheme")).upper()
            if scheme in ("CPV", "UNSPSC"):
                category = category_for_code(scheme.lower(), str(c.get("id", "")))
                if category:
                    # the main classification outweighs additional ones
                    votes[category] = votes.get(category, 0) + (3 if c is classifications[0] else 1)
    return max(votes, key=lambda k: (votes[k], k)) if votes else ""


def _buyer(release: dict) -> tuple[str, dict]:
    buyer_ref = release.get("buyer") if isinstance(release.get("buyer"), dict) else {}
    parties = [p for p in release.get("parties") or [] if isinstance(p, dict)]
    party = next(
        (p for p in parties if buyer_ref.get("id") and p.get("id") == buyer_ref["id"]), None
    )
    party = party or next((p for p in parties if "buyer" in (p.get("roles") or [])), None)
    name = _text(buyer_ref.get("name")) or _text((party or {}).get("name"))
    return name, party or {}


def ocds_release_to_lead(
    release, path: str, *, default_country: str = ""
) -> tuple[dict, list[tuple[str, str]]]:
    """Map one OCDS release to lead fields; (fields, [(JSON path, reason)])."""
    errors: list[tuple[str, str]] = []
    if not isinstance(release, dict):
        return {}, [(path, _("not an object"))]
    ocid = release.get("ocid")
    if not isinstance(ocid, str) or not ocid.strip():
        errors.append((f"{path}.ocid", _("is required")))
        ocid = ""
    elif len(ocid) > 64:
        errors.append((f"{path}.ocid", _("longer than 64 characters")))
    tender = release.get("tender")
    if not isinstance(tender, dict):
        return {}, errors + [(f"{path}.tender", _("missing: a lead needs the tender"))]
    language = _text(release.get("language")).lower()
    title, description = _text(tender.get("title")), _text(tender.get("description"))
    if not title:
        title = _text(release.get("title")) or description[:300]
    if not title:
        errors.append((f"{path}.tender.title", _("is required")))
    lang = "ko" if language == "ko" else "en"
    data: dict = {
        "exchange_id": ocid,
        "source": LeadSource.OTHER,
        f"title_{lang}": title[:500],
        f"description_{lang}": description,
        "budget_max": None,
        "budget_currency": "",
        "required_certifications": [],
    }
    value = tender.get("value")
    if value is not None:
        if not isinstance(value, dict):
            errors.append((f"{path}.tender.value", _("not an object")))
        else:
            amount, currency = value.get("amount"), value.get("currency")
            if amount is not None:
                if not _is_number(amount):
                    errors.append((f"{path}.tender.value.amount", _("not a number")))
                elif problem := amount_problem(str(amount)):
                    errors.append((f"{path}.tender.value.amount", problem))
                else:
                    data["budget_max"] = Decimal(str(amount))
                if not isinstance(currency, str) or currency not in CURRENCY_CODES:
                    errors.append((f"{path}.tender.value.currency", _("not an ISO 4217 code")))
                else:
                    data["budget_currency"] = currency
    period = tender.get("tenderPeriod")
    if period is not None and not isinstance(period, dict):
        errors.append((f"{path}.tender.tenderPeriod", _("not an object")))
    elif period:
        data["deadline"] = _date(
            period.get("endDate"), f"{path}.tender.tenderPeriod.endDate", errors
        )
    items = tender.get("items")
    if items is not None and not isinstance(items, list):
        errors.append((f"{path}.tender.items", _("not an array")))
    else:
        data["category"] = _classification_category(tender, path)
    buyer, party = _buyer(release)
    data["buyer"] = buyer[:300]
    address = party.get("address") if isinstance(party.get("address"), dict) else {}
    country_name = _text(address.get("countryName"))
    country = country_code(country_name) if country_name else ""
    country = country or country_from_ocid(ocid) or default_country
    if not country:
        if country_name:
            reason = _(
                "country %(name)r is not known (buyer address countryName, ocid prefix or a "
                "default)"
            ) % {"name": country_name}
        else:
            reason = _("no country (buyer address countryName, ocid prefix or a default)")
        errors.append((f"{path}.buyer", reason))
    data["country"] = country
    data["city"] = _text(address.get("locality"))[:200]
    url = _text(tender.get("url"))
    if not url:
        notices = [
            d for d in tender.get("documents") or []
            if isinstance(d, dict) and d.get("documentType") == "tenderNotice"
        ]  # fmt: skip
        url = _text(notices[0].get("url")) if notices else ""
    data["url"] = url if url.startswith(("http://", "https://")) and len(url) <= 500 else ""
    data["status"] = (
        Lead.Status.CLOSED if _text(tender.get("status")) in CLOSED_TENDER else Lead.Status.OPEN
    )
    if not errors:
        errors += _lead_errors(data, lambda name: f"{path}.{_OCDS_PATHS.get(name, name)}")
    return data, errors


# Where in a release each lead field comes from, to name it in errors.
_OCDS_PATHS = {
    "exchange_id": "ocid",
    "title_en": "tender.title",
    "title_ko": "tender.title",
    "__all__": "tender.title",
    "description_en": "tender.description",
    "description_ko": "tender.description",
    "budget_max": "tender.value.amount",
    "budget_currency": "tender.value.currency",
    "deadline": "tender.tenderPeriod.endDate",
    "category": "tender.items",
    "status": "tender.status",
    "url": "tender.url",
    "buyer": "buyer.name",
    "country": "buyer",
    "city": "buyer",
}


class NotOcds(Exception):
    """The JSON is not a release package, record package or release."""

    def __init__(self, message: str, where: str = "file"):
        super().__init__(message)
        self.where = where


def _ocds_shape(file) -> str:
    """'releases', 'records' or 'release' from the first telling top-level key."""
    key = None
    for prefix, event, value in ijson.parse(file):
        if key is not None:
            if event != "start_array":
                raise NotOcds(_("must be an array of %(key)s") % {"key": key}, where=key)
            return key
        if prefix == "" and event == "map_key":
            if value in ("releases", "records"):
                key = value
                continue
            if value in ("ocid", "tender", "tag"):
                return "release"
        if prefix == "" and event not in ("start_map", "map_key"):
            break
    return ""


def _content_start(file) -> int:
    """Where the JSON starts: after a UTF-8 byte order mark (spreadsheets and Windows tools
    write one), as the CSV and exchange imports accept it."""
    file.seek(0)
    start = 3 if file.read(3) == b"\xef\xbb\xbf" else 0
    file.seek(start)
    return start


def _record_release(record, path: str):
    if not isinstance(record, dict):
        return None, path
    compiled = record.get("compiledRelease")
    if isinstance(compiled, dict):
        return compiled, f"{path}.compiledRelease"
    releases = record.get("releases")
    if isinstance(releases, list) and releases and isinstance(releases[-1], dict):
        if "tender" in releases[-1]:
            return releases[-1], f"{path}.releases[{len(releases) - 1}]"
    return record, path


def iter_ocds_releases(file) -> Iterator[tuple[str, dict]]:
    """(JSON path, release) for every release of a package, record package or release."""
    start = _content_start(file)
    shape = _ocds_shape(file)
    file.seek(start)
    if shape == "releases":
        for i, release in enumerate(ijson.items(file, "releases.item")):
            yield f"releases[{i}]", release
    elif shape == "records":
        for i, record in enumerate(ijson.items(file, "records.item")):
            release, path = _record_release(record, f"records[{i}]")
            yield path, release
    elif shape == "release":
        for release in ijson.items(file, ""):
            yield "$", release
    else:
        raise NotOcds(_("not an OCDS release package, record package or release"))


def leads_import_ocds(
    file, *, actor, progress: Progress = None, default_country: str = "", match: bool = True
) -> ImportReport:
    """Import the tenders of an OCDS file as leads; nothing is written if any release is wrong."""
    _check_actor(actor)
    report = ImportReport(format="ocds")
    if isinstance(file, bytes | str):
        file = io.BytesIO(file.encode() if isinstance(file, str) else file)
    default_country = default_country.strip().upper()
    if default_country and default_country not in COUNTRY_CODES:
        report.errors.append(("default_country", _("not an ISO 3166-1 alpha-2 code such as VN")))
        raise LeadImportInvalid(report)
    rows: list[dict] = []
    paths: list[str] = []
    try:
        for path, release in iter_ocds_releases(file):
            data, errors = ocds_release_to_lead(release, path, default_country=default_country)
            report.errors += errors
            rows.append(data)
            paths.append(path)
    except NotOcds as exc:
        if exc.where == "file":
            report.errors.append(("file", _("not valid OCDS JSON: %(error)s") % {"error": exc}))
        else:
            report.errors.append((exc.where, str(exc)))
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        report.errors.append(("file", _("not valid OCDS JSON: %(error)s") % {"error": exc}))
    if not rows and not report.errors:
        report.errors.append(("file", _("no releases")))
    seen: dict[str, str] = {}
    for path, row in zip(paths, rows, strict=True):
        ocid = row.get("exchange_id")
        if ocid and ocid in seen:
            # a package may hold several releases of one process: the last one wins
            report.warnings.append(
                (path, _("same ocid as %(where)s: the later one is kept") % {"where": seen[ocid]})
            )
        if ocid:
            seen[ocid] = path
    _existing_elsewhere(rows, actor, report, lambda i: f"{paths[i]}.ocid")
    if report.errors:
        raise LeadImportInvalid(report)
    currencies = zip(paths, (row["budget_currency"] for row in rows), strict=True)
    _warn_unconvertible(report, ((f"{p}.tender.value.currency", c) for p, c in currencies))
    latest = {row["exchange_id"]: row for row in rows}
    _write(list(latest.values()), actor=actor, report=report, progress=progress, match=match)
    return report


def leads_import_exchange(
    file, *, actor, progress: Progress = None, match: bool = True
) -> ImportReport:
    """Import the ``leads`` of a smartcity-exchange/1 document; nothing is written on errors.

    The document is read and checked by the exchange importer's own reader and validator (as
    ``manage.py import_exchange`` checks it: format, unknown keys, vocabularies, ISO codes,
    what the columns hold); this upload stores leads only, so other sections are refused.
    """
    from catalogue.exchange import SECTIONS, ExchangeInvalid, parse_document, validate_document

    from .exchange import import_leads

    _check_actor(actor)
    report = ImportReport(format="exchange")
    raw = file.read() if hasattr(file, "read") else file
    try:
        document = parse_document(raw)
    except ExchangeInvalid as invalid:
        report.errors += [("file" if e.path == "$" else e.path, e.message) for e in invalid.errors]
        raise LeadImportInvalid(report)
    report.errors += [(error.path, error.message) for error in validate_document(document)]
    for name in SECTIONS:
        if name != "leads" and document.get(name):
            report.errors.append(
                (name, _("this upload imports leads only (import_exchange imports the rest)"))
            )
    items = document.get("leads")
    if not report.errors and (not isinstance(items, list) or not items):
        report.errors.append(("leads", _("the document has no leads list")))
    if report.errors:
        raise LeadImportInvalid(report)
    rows = [{"exchange_id": item.get("id")} for item in items]
    _existing_elsewhere(rows, actor, report, lambda i: f"leads[{i}].id")
    if report.errors:
        raise LeadImportInvalid(report)
    _warn_unconvertible(
        report, ((f"leads[{i}].budget.currency", (item.get("budget") or {}).get("currency"))
                 for i, item in enumerate(items))
    )  # fmt: skip
    with transaction.atomic():
        report.created, report.updated = import_leads(items, actor=actor)
        report.unchanged = len(items) - report.created - report.updated
        ids = [str(item["id"]) for item in items]
        leads = Lead.objects.filter(exchange_id__in=ids)
        organisation = getattr(actor, "organisation", None) if actor is not None else None
        if organisation is not None:
            leads.filter(organisation__isnull=True).update(organisation=organisation)
        report.lead_ids = list(leads.values_list("id", flat=True))
        lead_ids = list(report.lead_ids)
        if match:
            transaction.on_commit(lambda: _match_later(lead_ids))
    if progress:
        progress(len(items), len(items))
    return report


IMPORTERS = {"exchange": leads_import_exchange, "csv": leads_import_csv, "ocds": leads_import_ocds}
