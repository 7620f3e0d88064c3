"""What the search app keeps in the database: solutions waiting to be re-synced."""

from django.db import models


class PendingSync(models.Model):
    """A solution whose index update failed after its commit; ``search_index repair`` retries."""

    solution_id = models.BigIntegerField(unique=True)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"re-sync solution {self.solution_id}"
