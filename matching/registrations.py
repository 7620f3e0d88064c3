"""Procurement registrations: the per-channel checklist, opening one and moving it along."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from catalogue.models import Certification, Solution, Verification
from catalogue.texts import pick
from catalogue.vocabularies import CertificationType

from .models import Channel, Match, MatchEvent, Registration, RegistrationEvent
from .services import user_owns_target

# The certification that makes a solution eligible for a channel, and the quality or
# performance certificates that back it (any one of them will do).
CHANNEL_CERTIFICATION = {
    Channel.PPS_INNOVATION: ("pps-innovation",),
    Channel.PPS_EXCELLENT: ("pps-excellent",),
    Channel.DIGITAL_MALL: ("gs", "cc", "performance-cert"),
    Channel.OVERSEAS_TENDER: (),
}
OPEN_FROM = {Match.Status.SHORTLISTED, Match.Status.CONTACTED, Match.Status.PROPOSAL}


@dataclass(frozen=True)
class Check:
    code: str
    met: bool
    label_en: str
    label_ko: str
    detail: str = ""  # codes and ISO dates, as they were (the dossier's JSON keeps them)
    detail_en: str = ""  # the same for people, in each language
    detail_ko: str = ""


def _target(match: Match):
    return match.need if match.need_id else match.lead


def deadline_of(match: Match) -> dt.date:
    """The day certifications must be valid on: the need's or lead's deadline, else today."""
    target = _target(match)
    return (target.deadline if target is not None else None) or timezone.localdate()


def _valid(certs: list[Certification], types, day: dt.date) -> list[Certification]:
    return [c for c in certs if c.type in types and c.is_valid_on(day)]


def _human(language: str, texts) -> str:
    """``texts()`` in ``language``: certificate names, dates and amounts as people read them."""
    with translation.override(language):
        return texts()


def _type_name(code: str) -> str:
    return str(dict(CertificationType.choices).get(code, code))


def _types(codes, language: str) -> str:
    joiner = " 또는 " if language == "ko" else " or "
    return _human(language, lambda: joiner.join(_type_name(c) for c in codes))


def _day(day: dt.date | None) -> str:
    return formats.date_format(day, "DATE_FORMAT") if day else ""


def _until(cert: Certification, language: str, *, with_type: bool) -> str:
    def text():
        until = _day(cert.valid_until)
        name = f"{_type_name(cert.type)} " if with_type else ""
        if language == "ko":
            return f"{name}{until}까지" if until else f"{name}기한 없음"
        return f"{name}until {until}" if until else f"{name}open-ended"

    return _human(language, text)


def _amount(value) -> str:
    places = 0 if value == value.to_integral_value() else 2
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def _price(solution: Solution, language: str) -> str:
    def text():
        low = _amount(solution.price_min) if solution.price_min is not None else ""
        high = _amount(solution.price_max) if solution.price_max is not None else ""
        return f"{low}–{high} {solution.currency}".strip()

    return _human(language, text)


def checklist(solution: Solution, channel: str, match: Match) -> list[Check]:
    """What the channel requires and whether the solution's data shows it, at the deadline."""
    day = deadline_of(match)
    certs = list(solution.certifications.all())
    checks: list[Check] = []
    wanted = CHANNEL_CERTIFICATION.get(channel, ())
    if wanted:
        valid = _valid(certs, wanted, day)
        checks.append(
            Check(
                "channel_certification",
                bool(valid),
                f"A valid {_types(wanted, 'en')} certificate on {_human('en', lambda: _day(day))}",
                f"{_human('ko', lambda: _day(day))} 기준 유효한 {_types(wanted, 'ko')} 인증",
                ", ".join(f"{c.type} until {c.valid_until or 'open-ended'}" for c in valid),
                ", ".join(_until(c, "en", with_type=True) for c in valid),
                ", ".join(_until(c, "ko", with_type=True) for c in valid),
            )
        )
    target = _target(match)
    for cert_type in (target.required_certifications if target is not None else []) or []:
        if cert_type in wanted:
            continue
        valid = _valid(certs, (cert_type,), day)
        checks.append(
            Check(
                f"required_certification:{cert_type}",
                bool(valid),
                f"Required {_types([cert_type], 'en')} certificate valid on "
                f"{_human('en', lambda: _day(day))}",
                f"요구 인증 {_types([cert_type], 'ko')} "
                f"({_human('ko', lambda: _day(day))} 기준 유효)",
                ", ".join(f"until {c.valid_until or 'open-ended'}" for c in valid),
                ", ".join(_until(c, "en", with_type=False) for c in valid),
                ", ".join(_until(c, "ko", with_type=False) for c in valid),
            )
        )
    pilots = [
        p
        for p in solution.pilots.all()
        if p.verification == Verification.VERIFIED and p.kpis.exists()
    ]
    checks.append(
        Check(
            "verified_pilot",
            bool(pilots),
            "Verified pilot evidence with measured KPIs",
            "운영자가 검증한 실증 실적(KPI 포함)",
            ", ".join(p.city for p in pilots[:5]),
            ", ".join(p.city for p in pilots[:5]),
            ", ".join(p.city for p in pilots[:5]),
        )
    )
    priced = solution.price_min is not None or solution.price_max is not None
    checks.append(
        Check(
            "price",
            bool(priced and solution.currency),
            "Price information (range and currency)",
            "가격 정보(범위와 통화)",
            f"{solution.price_min}–{solution.price_max} {solution.currency}" if priced else "",
            _price(solution, "en") if priced else "",
            _price(solution, "ko") if priced else "",
        )
    )
    if channel == Channel.OVERSEAS_TENDER:
        english = bool(solution.name_en and solution.summary_en and solution.description_en)
        checks.append(
            Check(
                "english_material",
                english and "en" in (solution.languages or []),
                "English material (name, summary, description; English listed as a language)",
                "영문 자료(제품명·요약·설명, 지원 언어에 영어)",
            )
        )
    return checks


def checklist_dicts(registration: Registration) -> list[dict]:
    return [
        asdict(c)
        for c in checklist(registration.solution, registration.channel, registration.match)
    ]


# -- who may see and do what ---------------------------------------------------------------


def registration_list(*, user) -> QuerySet[Registration]:
    """Registrations ``user`` may see: its organisation's, its solutions'; operators see all."""
    rows = Registration.objects.select_related(
        "match__need", "match__lead", "solution", "organisation"
    )
    if user.is_operator():
        return rows
    if not user.organisation_id:
        return rows.none()
    return rows.filter(
        Q(organisation_id=user.organisation_id) | Q(solution__vendor_id=user.organisation_id)
    )


def _owner(user, registration: Registration) -> bool:
    return user.is_operator() or registration.organisation_id == user.organisation_id


def _not_a_channel(channel) -> str:
    return _("%(channel)r is not a channel.") % {"channel": channel}


def _event(registration: Registration, before: str, after: str, *, user, note: str = ""):
    RegistrationEvent.objects.create(
        registration=registration, from_status=before, to_status=after, note=note, actor=user
    )


@transaction.atomic
def registration_open(*, user, match: Match, channel: str, note: str = "") -> Registration:
    """A buyer or agency opens a registration for a shortlisted match's solution."""
    match = Match.objects.select_related("need", "lead", "solution").get(pk=match.pk)
    if not user_owns_target(user, match) or user.kind == "vendor":
        raise PermissionDenied(_("Only the buyer or the agency holding the lead may do this."))
    if channel not in Channel.values:
        raise ValidationError({"channel": [_not_a_channel(channel)]})
    if match.status not in OPEN_FROM:
        message = _("Shortlist the match first (it is %(status)s).") % {
            "status": match.get_status_display()
        }
        raise ValidationError({"match": [message]})
    if match.registrations.filter(channel=channel).exists():
        raise ValidationError({"channel": [_("This match already has a registration here.")]})
    registration = Registration.objects.create(
        match=match,
        solution=match.solution,
        organisation=user.organisation
        or (match.need.organisation if match.need_id else match.lead.organisation),
        channel=channel,
        note=note,
        created_by=user,
    )
    _event(registration, "", Registration.Status.DRAFT, user=user, note=note)
    return registration


@transaction.atomic
def registration_update(*, user, registration: Registration, data: dict) -> Registration:
    """Change the note or channel of a draft (its owner)."""
    if not _owner(user, registration):
        raise PermissionDenied(_("Only the organisation that opened it may change it."))
    unknown = sorted(set(data) - {"note", "channel"})
    if unknown:
        raise ValidationError({name: [_("Unknown or read-only field.")] for name in unknown})
    if registration.status != Registration.Status.DRAFT:
        raise ValidationError({"status": [_("Only a draft can be changed.")]})
    if "channel" in data and data["channel"] not in Channel.values:
        raise ValidationError({"channel": [_not_a_channel(data["channel"])]})
    for name, value in data.items():
        setattr(registration, name, value)
    registration.save()
    return registration


S = Registration.Status
# (from, to) -> who may: "owner" (buyer or agency that opened it) or "operator"
TRANSITIONS = {
    (S.DRAFT, S.SUBMITTED): "owner",
    (S.SUBMITTED, S.DRAFT): "owner",
    (S.SUBMITTED, S.UNDER_REVIEW): "operator",
    (S.UNDER_REVIEW, S.REGISTERED): "operator",
    (S.UNDER_REVIEW, S.REJECTED): "operator",
}


@transaction.atomic
def registration_transition(
    *, user, registration: Registration, status: str, note: str = ""
) -> Registration:
    """Move a registration along; every step is recorded with who, when and the note."""
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("match__need", "match__lead", "solution")
        .get(pk=registration.pk)
    )
    if status not in S.values:
        raise ValidationError({"status": [_("%(status)r is not a status.") % {"status": status}]})
    who = TRANSITIONS.get((registration.status, status))
    if who is None:
        message = _("A %(current)s registration cannot become %(status)s.") % {
            "current": registration.get_status_display(),
            "status": S(status).label,
        }
        raise ValidationError({"status": [message]})
    if who == "operator" and not user.is_operator():
        raise PermissionDenied(_("Only operators review registrations."))
    if who == "owner" and not _owner(user, registration):
        raise PermissionDenied(_("Only the organisation that opened it may do this."))
    if status == S.REJECTED and not note.strip():
        raise ValidationError({"note": [_("Say why the registration is rejected.")]})
    if status == S.SUBMITTED:
        checks = checklist(registration.solution, registration.channel, registration.match)
        missing = [pick(c, "label") or c.code for c in checks if not c.met]
        if missing:
            message = _("Missing before submitting: %(items)s.") % {"items": ", ".join(missing)}
            raise ValidationError({"checklist": [message]})
        registration.checklist_at_submit = [asdict(c) for c in checks]
        registration.submitted_at = timezone.now()
    if status in (S.REGISTERED, S.REJECTED):
        registration.decided_at = timezone.now()
    _event(registration, registration.status, status, user=user, note=note)
    registration.status = status
    registration.save()
    if status == S.REGISTERED and registration.match.status != Match.Status.REGISTERED:
        match = registration.match
        MatchEvent.objects.create(
            match=match,
            from_status=match.status,
            to_status=Match.Status.REGISTERED,
            reason=MatchEvent.registered_reason(registration),
            actor=user,
        )
        match.status = Match.Status.REGISTERED
        match.status_changed_by = user
        match.status_changed_at = timezone.now()
        match.save(update_fields=["status", "status_changed_by", "status_changed_at"])
    return registration
