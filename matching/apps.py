from django.apps import AppConfig


def _follow_solution_changes(sender, solution_ids, **kwargs):
    """A catalogue write committed: re-match the open needs and leads it concerns."""
    from .selectors import forget_profiles
    from .services import solution_changed

    forget_profiles(solution_ids)
    for solution_id in solution_ids:
        solution_changed(solution_id)


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching"

    def ready(self):
        from catalogue.signals import solutions_changed

        from . import exchange

        exchange.register()
        # Sent explicitly by catalogue.services.solutions after commit (and after re-indexing).
        # Bulk imports do not send it: they are followed by `match_all` (a job) instead.
        solutions_changed.connect(_follow_solution_changes, dispatch_uid="matching-follow")
