"""Solution -> search document, and keeping the index in step with the database.

Writes call :func:`solution_changed` inside their transaction; the index is updated after the
commit. If the engine is down then, the database change stands and the solution is recorded in
:class:`search.models.PendingSync`; ``manage.py search_index repair`` brings the index back.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connections, router, transaction
from django.db.models import Prefetch
from django.db.models.sql.constants import MULTI

from catalogue.models import Certification, Kpi, Pilot, Solution
from search.backends import get_backend
from search.models import PendingSync
from search.types import SearchIndexOutdated, composed

log = logging.getLogger(__name__)

# Rough conversion so that a price filter in KRW can compare solutions priced in other currencies.
KRW_PER_UNIT = {
    "KRW": 1.0,
    "USD": 1350.0,
    "EUR": 1450.0,
    "GBP": 1700.0,
    "JPY": 9.0,
    "CNY": 190.0,
    "SGD": 1000.0,
    "AUD": 880.0,
    "CAD": 980.0,
    "VND": 0.054,
    "IDR": 0.085,
    "AED": 370.0,
    "SAR": 360.0,
}


def version_stamp(solution: Solution) -> str:
    """What changes whenever the document would: the edit counter and the last update time."""
    return stamp(solution.version, solution.updated_at)


def stamp(version: int, updated_at: dt.datetime | None) -> str:
    """The stamp a document carries; the rebuild and ``check`` compare it with the database's."""
    return f"{version}:{updated_at.isoformat() if updated_at else ''}"


def price_in_krw(amount, currency: str) -> float | None:
    if amount is None:
        return None
    rate = KRW_PER_UNIT.get((currency or "KRW").upper())
    return None if rate is None else float(amount) * rate


def indexable_solutions():
    """Published solutions with everything their documents need, in few queries."""
    return (
        Solution.objects.published()
        .select_related("vendor")
        .prefetch_related(
            Prefetch("certifications", queryset=Certification.objects.order_by("id")),
            Prefetch("pilots", queryset=Pilot.objects.prefetch_related("kpis").order_by("id")),
        )
        .order_by("id")
    )


SOLUTION_FIELDS = (
    "id",
    "version",
    "updated_at",
    "published_at",
    "name_ko",
    "name_en",
    "summary_ko",
    "summary_en",
    "description_ko",
    "description_en",
    "category",
    "tags",
    "standards",
    "deployment",
    "languages",
    "reference_countries",
    "price_min",
    "currency",
)


def build_document(
    row: dict, vendor: tuple[str, str], certs: list, pilots: list, kpis: dict
) -> dict:
    """The search document from plain values (shared by the one-solution and bulk paths), its
    text composed (NFC) as queries are."""
    certifications = [
        {
            "type": c["type"],
            "valid_from": c["valid_from"].isoformat() if c["valid_from"] else None,
            "valid_until": c["valid_until"].isoformat() if c["valid_until"] else None,
        }
        for c in certs
        if c["verification"] != Certification.Verification.REJECTED
    ]
    indicators = [k for p in pilots for k in kpis.get(p["id"], ()) if k]
    countries = list(dict.fromkeys([*row["reference_countries"], *(p["country"] for p in pilots)]))
    published = row["published_at"] or row["updated_at"]
    return {
        "id": row["id"],
        "version": stamp(row["version"], row["updated_at"]),
        "name_ko": composed(row["name_ko"]),
        "name_en": composed(row["name_en"]),
        "summary_ko": composed(row["summary_ko"]),
        "summary_en": composed(row["summary_en"]),
        "description_ko": composed(row["description_ko"]),
        "description_en": composed(row["description_en"]),
        "pilots_ko": [composed(p["summary_ko"]) for p in pilots if p["summary_ko"]],
        "pilots_en": [composed(p["summary_en"]) for p in pilots if p["summary_en"]],
        "pilot_cities": [composed(p["city"]) for p in pilots if p["city"]],
        "kpis": [composed(k) for k in indicators],
        "tags": [composed(t) for t in row["tags"]],
        "vendor_ko": composed(vendor[0]),
        "vendor_en": composed(vendor[1]),
        "category": row["category"],
        "certifications": certifications,
        "tiers": sorted({p["tier"] for p in pilots if p["tier"]}),
        "countries": countries,
        "deployment": list(row["deployment"]),
        "standards": list(row["standards"]),
        "languages": list(row["languages"]),
        "price_krw": price_in_krw(row["price_min"], row["currency"]),
        "published_at": published.isoformat() if published else None,
        "evidence": sum(1 for p in pilots if p["verification"] == "verified"),
    }


CERT_FIELDS = ("solution_id", "type", "valid_from", "valid_until", "verification")
PILOT_FIELDS = (
    "id",
    "solution_id",
    "summary_ko",
    "summary_en",
    "city",
    "country",
    "tier",
    "verification",
)


def solution_to_document(solution: Solution) -> dict:
    """The search document of a published solution (plain data, the same for both backends)."""
    row = {f: getattr(solution, f) for f in SOLUTION_FIELDS}
    certs = [{f: getattr(c, f) for f in CERT_FIELDS} for c in solution.certifications.all()]
    pilot_objs = list(solution.pilots.all())
    pilots = [{f: getattr(p, f) for f in PILOT_FIELDS} for p in pilot_objs]
    kpis = {p.id: [k.indicator for k in p.kpis.all()] for p in pilot_objs}
    vendor = (solution.vendor.name_ko, solution.vendor.name_en)
    return build_document(row, vendor, certs, pilots, kpis)


ROW_FIELDS = (*SOLUTION_FIELDS, "status", "vendor__name_ko", "vendor__name_en")
JSON_FIELDS = ("tags", "standards", "deployment", "languages", "reference_countries")


def _driver_rows(queryset) -> Iterator[tuple]:
    """A ``values_list`` queryset's rows as the database driver returns them, without Django's
    converters: called once per value, they were a fifth of a rebuild's Python time. The caller
    finishes what needs it: JSON comes as text on both engines, and SQLite's datetimes naive."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    for chunk in compiler.execute_sql(MULTI):
        yield from chunk


def iter_documents(batch_size: int = 1000) -> Iterator[dict]:
    """Every published solution as a document, in batches of plain-value queries (fast path).

    A batch is a range of ids, not a list of them: an ``IN`` list of a thousand ids cost
    Django more to build than the rows cost to read. Rows of the range that are not published
    are skipped in Python (a status condition could steer the database off the primary key).
    """
    ids = list(Solution.objects.published().order_by("id").values_list("id", flat=True))
    published = Solution.Status.PUBLISHED
    db_zone = connections[router.db_for_read(Solution)].timezone
    for start in range(0, len(ids), batch_size):
        low, high = ids[start], ids[min(start + batch_size, len(ids)) - 1]
        rows = _driver_rows(
            Solution.objects.filter(id__gte=low, id__lte=high)
            .order_by("id")
            .values_list(*ROW_FIELDS)
        )
        certs: dict[int, list] = {}
        for c in (
            Certification.objects.filter(solution_id__gte=low, solution_id__lte=high)
            .order_by("id")
            .values(*CERT_FIELDS)
        ):
            certs.setdefault(c["solution_id"], []).append(c)
        pilots: dict[int, list] = {}
        for p in (
            Pilot.objects.filter(solution_id__gte=low, solution_id__lte=high)
            .order_by("id")
            .values(*PILOT_FIELDS)
        ):
            pilots.setdefault(p["solution_id"], []).append(p)
        kpis: dict[int, list] = {}
        kpi_rows = Kpi.objects.filter(
            pilot__solution_id__gte=low, pilot__solution_id__lte=high
        ).order_by("id")
        for pilot_id, indicator in kpi_rows.values_list("pilot_id", "indicator"):
            kpis.setdefault(pilot_id, []).append(indicator)
        for values in rows:
            row = dict(zip(ROW_FIELDS, values, strict=True))
            if row["status"] != published:
                continue
            for name in JSON_FIELDS:
                if isinstance(row[name], str):
                    row[name] = json.loads(row[name])
            for name in ("updated_at", "published_at"):
                value = row[name]
                if value is not None and value.tzinfo is None:  # SQLite: naive, in db_zone
                    row[name] = value.replace(tzinfo=db_zone)
            vendor = (row["vendor__name_ko"], row["vendor__name_en"])
            yield build_document(
                row, vendor, certs.get(row["id"], []), pilots.get(row["id"], []), kpis
            )


def count_documents() -> int:
    return Solution.objects.published().count()


def sync_solutions(solution_ids: Iterable[int]) -> None:
    """Index published ones, drop the others; on engine failure record them for re-sync."""
    ids = sorted(set(solution_ids))
    if not ids:
        return
    try:
        docs = [solution_to_document(s) for s in indexable_solutions().filter(id__in=ids)]
        backend = get_backend()
        if docs:
            backend.index(docs)
        gone = set(ids) - {d["id"] for d in docs}
        if gone:
            backend.delete(gone)
    except Exception as exc:  # noqa: BLE001 - any engine failure must not undo the DB change
        log.warning("search sync failed for %s: %s", ids, exc)
        reason = f"{type(exc).__name__}: {exc}"[:500]
        for solution_id in ids:
            PendingSync.objects.update_or_create(
                solution_id=solution_id, defaults={"reason": reason}
            )
        return
    PendingSync.objects.filter(solution_id__in=ids).delete()


# A write that saved before the rebuild started but committed after the rebuild read its row
# has an updated_at a little before the start; look back this far so it is caught up too.
CATCH_UP_MARGIN = dt.timedelta(minutes=2)


def rebuild(progress=None) -> int:
    """Rebuild the whole index, then catch up the writes that went to the old index meanwhile.

    Syncs during a rebuild write to the index being replaced, so after the swap every solution
    changed since the start (less a margin) is synced again if its version stamp is no longer
    the one the rebuild wrote (a write that committed after the rebuild read its row), as is
    every pending one; any document the rebuild wrote for a solution no longer published is
    dropped. Comparing stamps keeps a rebuild right after an import from indexing every
    imported solution twice.
    """
    from django.utils import timezone

    started = timezone.now()
    pending_before = set(PendingSync.objects.values_list("solution_id", flat=True))
    written: dict[int, str] = {}

    def documents():
        for doc in iter_documents():
            written[doc["id"]] = doc["version"]
            yield doc

    count = get_backend().rebuild(documents(), progress=progress)
    PendingSync.objects.filter(solution_id__in=pending_before).delete()
    published = Solution.Status.PUBLISHED
    recent = Solution.objects.filter(updated_at__gte=started - CATCH_UP_MARGIN).only(
        "id", "version", "updated_at", "status"
    )
    changed = {
        s.pk
        for s in recent.iterator(chunk_size=2000)
        if (s.status == published or s.pk in written) and written.get(s.pk) != version_stamp(s)
    }
    # deleted or unpublished while the rebuild ran
    changed |= written.keys() - set(Solution.objects.published().values_list("id", flat=True))
    changed |= set(PendingSync.objects.values_list("solution_id", flat=True))
    sync_solutions(changed)
    return count


def solution_changed(solution_id: int) -> None:
    """Call inside a write's transaction: re-index (or drop) the solution after commit."""
    transaction.on_commit(lambda: sync_solutions([solution_id]))


@dataclass
class Drift:
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.extra or self.pending)

    def as_dict(self) -> dict:
        return {
            "missing": self.missing,
            "stale": self.stale,
            "extra": self.extra,
            "pending": self.pending,
        }


def check() -> Drift:
    """Compare the database with the index: missing, stale and extra documents."""
    expected = {
        s.pk: version_stamp(s)
        for s in Solution.objects.published().only("id", "version", "updated_at")
    }
    indexed = get_backend().indexed_versions()
    return Drift(
        missing=sorted(set(expected) - set(indexed)),
        stale=sorted(i for i in expected.keys() & indexed.keys() if expected[i] != indexed[i]),
        extra=sorted(set(indexed) - set(expected)),
        pending=sorted(PendingSync.objects.values_list("solution_id", flat=True)),
    )


def repair(drift: Drift | None = None) -> Drift:
    """Fix what :func:`check` found; returns what was repaired."""
    drift = drift or check()
    backend = get_backend()
    to_index = sorted({*drift.missing, *drift.stale, *drift.pending})
    docs = [solution_to_document(s) for s in indexable_solutions().filter(id__in=to_index)]
    if docs:
        backend.index(docs)
    gone = (set(to_index) - {d["id"] for d in docs}) | set(drift.extra)
    if gone:
        backend.delete(gone)
    PendingSync.objects.filter(solution_id__in=drift.pending).delete()
    return drift


def repair_or_rebuild(progress=None) -> Drift | None:
    """Fix the drift :func:`check` finds and return it; when the index was built with other
    fields (after an upgrade), rebuild it instead and return ``None``."""
    try:
        drift = check()
    except SearchIndexOutdated:
        rebuild(progress=progress)
        return None
    if not drift.clean:
        repair(drift)
    return drift


def validity_date(day: dt.date | None) -> dt.date:
    """The date certifications must be valid on: the given one or today."""
    from django.utils import timezone

    return day or timezone.localdate()
