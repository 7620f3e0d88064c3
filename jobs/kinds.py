"""What each job kind runs: thin wrappers that call the same functions as the commands.

A wrapper gets the job and a ``progress(done, total)`` callback and returns a JSON-able
summary. The wrapped functions own their transactions (imports are all-or-nothing), so a
failed or killed job leaves nothing half-done and can simply run again.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Job

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class JobKind:
    """How to run one kind of job and who may start it."""

    name: str
    run: Callable[[Job, Progress], dict]
    needs_file: bool = False
    operator_only: bool = False
    # Writes many rows (imports, matching everything): the planner's statistics are refreshed
    # after it, so that the next queries are planned for the tables as they now are.
    writes_in_bulk: bool = False
    # Dotted path of the function the kind wraps, to tell whether this build has it.
    wraps: str = ""

    def available(self) -> bool:
        """True when the wrapped function exists in this build."""
        if not self.wraps:
            return True
        module, _, name = self.wraps.rpartition(".")
        try:
            return callable(getattr(importlib.import_module(module), name, None))
        except ImportError:
            return False


def jobs_dir() -> Path:
    """Where job input and output files live: MEDIA_ROOT/jobs (never served)."""
    return Path(settings.MEDIA_ROOT) / "jobs"


def input_path(job: Job) -> Path:
    """The stored input file of ``job``."""
    return jobs_dir() / job.input_file


def _function(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _actor(job: Job):
    if job.started_by_id is None:
        return None
    return get_user_model().objects.get(pk=job.started_by_id)


def _exchange_import(job: Job, progress: Progress) -> dict:
    from catalogue.exchange import import_document, load_document

    with input_path(job).open("rb") as handle:
        data = load_document(handle)
    report = import_document(
        data, publish=bool(job.params.get("publish", True)), actor=_actor(job), progress=progress
    )
    return {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "not_stored": report.not_stored,
        "lines": report.lines(),
    }


def _lead_report(report) -> dict:
    return {
        "created": report.created,
        "updated": report.updated,
        "unchanged": getattr(report, "unchanged", 0),
        "warnings": [list(item) for item in report.warnings],
        "lead_ids": list(report.lead_ids),
    }


def _set_result(job: Job, result: dict) -> None:
    job.result = result
    Job.objects.filter(pk=job.pk).update(result=result)


def _import_then_match(job: Job, progress: Progress, importer: str, **extra) -> dict:
    """Two phases with one progress bar: import the rows, then match the open leads.

    Progress is done of (rows to import + leads to match). The job's ``result`` says the
    phase while it runs ({"phase": "import"|"matching", "import": report}), and the import
    report is stored in the import's own transaction: a worker killed while matching resumes
    with the matching, without importing the file again.
    """
    from matching.models import Lead
    from matching.services import lead_match

    imported = job.result.get("import") if job.result.get("phase") == "matching" else None
    if imported is None:
        _set_result(job, {"phase": "import"})
        function = _function(importer)
        with transaction.atomic(), input_path(job).open("rb") as handle:
            # Until the import is done, assume each row is a lead to match afterwards.
            report = function(
                handle,
                actor=_actor(job),
                progress=lambda done, total: progress(done, 2 * total),
                match=False,
                **extra,
            )
            imported = _lead_report(report)
            _set_result(job, {"phase": "matching", "import": imported})
    rows = imported["created"] + imported["updated"] + imported.get("unchanged", 0)
    lead_ids = list(
        Lead.objects.filter(id__in=imported["lead_ids"], status=Lead.Status.OPEN)
        .order_by("id")
        .values_list("id", flat=True)
    )
    total = rows + len(lead_ids)
    progress(rows, total)
    match_errors = []
    for done, lead_id in enumerate(lead_ids, start=1):
        # Each lead is read here, not all before the loop: the import is committed, so a lead
        # that cannot be read or matched is noted, and the job does not say "failed" about an
        # import that was stored.
        try:
            lead_match(lead=Lead.objects.get(pk=lead_id))
        except Exception as exc:  # noqa: BLE001 - the leads are imported; one bad match is noted
            match_errors.append([lead_id, f"{type(exc).__name__}: {exc}"])
        progress(rows + done, total)
    return {**imported, "phase": "done", "matched": len(lead_ids), "match_errors": match_errors}


def _leads_csv(job: Job, progress: Progress) -> dict:
    return _import_then_match(job, progress, "matching.imports.leads_import_csv")


def _leads_exchange(job: Job, progress: Progress) -> dict:
    return _import_then_match(job, progress, "matching.imports.leads_import_exchange")


def _leads_ocds(job: Job, progress: Progress) -> dict:
    extra = {}
    if job.params.get("default_country"):
        extra["default_country"] = str(job.params["default_country"])
    return _import_then_match(job, progress, "matching.imports.leads_import_ocds", **extra)


def _search_rebuild(job: Job, progress: Progress) -> dict:
    from search import indexing

    total = indexing.count_documents()
    progress(0, total)
    # indexing.rebuild catches up the writes that reached the old index while it ran.
    count = indexing.rebuild(progress=lambda done: progress(done, total))
    return {"indexed": count}


def _search_repair(job: Job, progress: Progress) -> dict:
    from search import indexing

    total = indexing.count_documents()
    drift = indexing.repair_or_rebuild(progress=lambda done: progress(done, total))
    if drift is None:  # the index was built with other fields (an upgrade): rebuilt
        return {"rebuilt": total}
    found = {name: len(ids) for name, ids in drift.as_dict().items()}
    return {"found": found, "repaired": not drift.clean}


def _match_all(job: Job, progress: Progress) -> dict:
    result = _function("matching.services.match_all")(progress=progress)
    return _jsonable(result)


def _dossier_export(job: Job, progress: Progress) -> dict:
    from matching.registrations import registration_list

    registration = registration_list(user=_actor(job)).get(pk=job.params["registration"])
    progress(0, 1)
    document = _function("matching.dossier.registration_dossier_json")(registration)
    out = jobs_dir() / "out" / f"dossier-{job.pk}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    out.write_text(text, encoding="utf-8")
    progress(1, 1)
    return {"file": str(out.relative_to(jobs_dir())), "bytes": out.stat().st_size}


def _noop(job: Job, progress: Progress) -> dict:
    progress(1, 1)
    return {}


def _jsonable(value) -> dict:
    if isinstance(value, dict):
        return json.loads(json.dumps(value, default=str))
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return json.loads(json.dumps(asdict(value), default=str))
    return {"result": json.loads(json.dumps(value, default=str))}


KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in [
        JobKind(
            Job.Kind.EXCHANGE_IMPORT,
            _exchange_import,
            needs_file=True,
            operator_only=True,
            writes_in_bulk=True,
        ),
        JobKind(
            Job.Kind.LEADS_CSV_IMPORT,
            _leads_csv,
            needs_file=True,
            writes_in_bulk=True,
            wraps="matching.imports.leads_import_csv",
        ),
        JobKind(
            Job.Kind.LEADS_OCDS_IMPORT,
            _leads_ocds,
            needs_file=True,
            writes_in_bulk=True,
            wraps="matching.imports.leads_import_ocds",
        ),
        JobKind(
            Job.Kind.LEADS_EXCHANGE_IMPORT,
            _leads_exchange,
            needs_file=True,
            writes_in_bulk=True,
            wraps="matching.imports.leads_import_exchange",
        ),
        JobKind(Job.Kind.SEARCH_REBUILD, _search_rebuild, operator_only=True),
        JobKind(Job.Kind.SEARCH_REPAIR, _search_repair, operator_only=True),
        JobKind(
            Job.Kind.MATCH_ALL,
            _match_all,
            operator_only=True,
            writes_in_bulk=True,
            wraps="matching.services.match_all",
        ),
        JobKind(
            Job.Kind.DOSSIER_EXPORT,
            _dossier_export,
            wraps="matching.dossier.registration_dossier_json",
        ),
        JobKind(Job.Kind.NOOP, _noop, operator_only=True),
    ]
}
