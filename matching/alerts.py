"""Opportunity alerts: vendors' subscriptions and the e-mail digest of new matches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from catalogue.models import Organisation, Solution

from . import weights as W
from .models import AlertDelivery, AlertSubscription, Lead, Match, Need
from .selectors import open_leads, open_needs


@transaction.atomic
def alert_subscribe(
    *, user, solution: Solution | None = None, category: str = "",
    threshold: float = W.ALERT_THRESHOLD,
    email: str = "",
) -> AlertSubscription:  # fmt: skip
    """A vendor subscribes to opportunities for one of its solutions or for a category."""
    if not (user.is_authenticated and user.kind == Organisation.Kind.VENDOR):
        raise PermissionDenied(_("Only vendors subscribe to opportunity alerts."))
    if (solution is None) == (not category):
        raise ValidationError({"solution": [_("Give either a solution or a category.")]})
    if solution is not None and solution.vendor_id != user.organisation_id:
        raise PermissionDenied(_("Only the vendor that lists the solution may subscribe to it."))
    if not 0 <= threshold <= 1:
        raise ValidationError({"threshold": [_("Must be between 0 and 1.")]})
    subscription = AlertSubscription(
        organisation=user.organisation, solution=solution, category=category,
        threshold=threshold, email=email, created_by=user,
    )  # fmt: skip
    subscription.full_clean()
    subscription.save()
    return subscription


def _matches_for(subscription: AlertSubscription):
    open_targets = Q(need__in=open_needs()) | Q(lead__in=open_leads())
    matches = Match.objects.filter(
        open_targets, stale=False, compliant=True, score__gte=subscription.threshold
    ).exclude(status=Match.Status.DECLINED)
    if subscription.solution_id:
        matches = matches.filter(solution_id=subscription.solution_id)
    else:
        matches = matches.filter(
            Q(need__category=subscription.category) | Q(lead__category=subscription.category),
            solution__vendor_id=subscription.organisation_id,
            solution__status=Solution.Status.PUBLISHED,
        )
    return matches.select_related("need", "lead", "solution")


def _recipients(subscriptions: list[AlertSubscription]) -> list[str]:
    found = {s.email or (s.created_by.email if s.created_by else "") for s in subscriptions}
    return sorted(e for e in found if e)


def _line(match: Match, korean: bool) -> str:
    target: Need | Lead = match.need or match.lead
    kind = "need" if match.need_id else "lead"
    title = (target.title_ko or target.title_en) if korean else (target.title_en or target.title_ko)
    solution = match.solution
    name = (
        (solution.name_ko or solution.name_en) if korean else (solution.name_en or solution.name_ko)
    )
    deadline = target.deadline.isoformat() if target.deadline else "-"
    explanation = match.explanation("ko" if korean else "en") or match.explanation(
        "en" if korean else "ko"
    )
    return (
        f"- [{kind} {target.public_id}] {title} (deadline {deadline})\n"
        f"  {name}: score {match.score:.2f}\n  {explanation}\n"
    )


def send_opportunity_alerts(*, progress: Callable[[int, int], None] | None = None) -> dict:
    """E-mail each subscribed vendor a digest of matches not sent to it before."""
    by_org: dict[int, list[AlertSubscription]] = defaultdict(list)
    for sub in AlertSubscription.objects.filter(active=True).select_related(
        "organisation", "created_by"
    ):
        by_org[sub.organisation_id].append(sub)
    sent = {"emails": 0, "matches": 0}
    for done, (org_id, subs) in enumerate(by_org.items(), start=1):
        delivered = set(
            AlertDelivery.objects.filter(organisation_id=org_id).values_list("match_id", flat=True)
        )
        fresh: dict[int, tuple[Match, AlertSubscription]] = {}
        for sub in subs:
            for match in _matches_for(sub):
                if match.pk not in delivered and match.pk not in fresh:
                    fresh[match.pk] = (match, sub)
        recipients = _recipients(subs)
        if fresh and recipients:
            organisation = subs[0].organisation
            korean = organisation.country == "KR"
            ranked = sorted(fresh.values(), key=lambda pair: -pair[0].score)
            body = "\n".join(_line(match, korean) for match, _ in ranked)
            subject = (
                f"새 사업 기회 {len(ranked)}건" if korean else f"{len(ranked)} new opportunities"
            )
            with transaction.atomic():
                AlertDelivery.objects.bulk_create(
                    [
                        AlertDelivery(organisation_id=org_id, match=match, subscription=sub)
                        for match, sub in ranked
                    ],
                    ignore_conflicts=True,
                )
                # sent inside the transaction: a failed send records nothing, so it is retried
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
            sent["emails"] += 1
            sent["matches"] += len(ranked)
        if progress:
            progress(done, len(by_org))
    return sent
