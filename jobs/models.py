"""A stored record per long piece of work: what, who, how far, how it ended."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def default_language() -> str:
    """The site's language, for jobs started without a request (and rows made before)."""
    return settings.LANGUAGE_CODE


class Job(models.Model):
    """One long job (an import, a reindex, batch matching, an export) and its progress."""

    class Kind(models.TextChoices):
        EXCHANGE_IMPORT = "exchange_import", _("Exchange document import")
        LEADS_CSV_IMPORT = "leads_csv_import", _("Lead import (CSV)")
        LEADS_OCDS_IMPORT = "leads_ocds_import", _("Lead import (OCDS)")
        LEADS_EXCHANGE_IMPORT = "leads_exchange_import", _("Lead import (exchange JSON)")
        SEARCH_REBUILD = "search_rebuild", _("Search index rebuild")
        SEARCH_REPAIR = "search_repair", _("Search index repair")
        MATCH_ALL = "match_all", _("Batch matching")
        DOSSIER_EXPORT = "dossier_export", _("Registration dossier export")
        NOOP = "noop", _("No-op (checks the queue end to end)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=40, choices=Kind.choices)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    params = models.JSONField(default=dict, blank=True)
    # Relative to MEDIA_ROOT/jobs/, which is never served.
    input_file = models.CharField(max_length=255, blank=True)
    input_name = models.CharField(max_length=255, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # The language of the request that started the job: its messages (error, reasons per row
    # or JSON path) are written in it once, and shown as stored to whoever opens the job.
    language = models.CharField(max_length=15, default=default_language)
    result = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # "host:pid:start-ticks" of the process running it; how a dead worker is recognised.
    worker = models.CharField(max_length=200, blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["started_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
