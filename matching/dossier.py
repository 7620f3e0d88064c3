"""A registration's dossier: JSON (OCDS-shaped for overseas tenders) and printable HTML."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from catalogue.models import kpi_improvement
from catalogue.views_public import BADGE_TEXT, certification_state
from catalogue.vocabularies import Tier

from .models import Channel, Registration
from .registrations import checklist_dicts, deadline_of


def _money(amount, currency: str) -> dict | None:
    if amount is None:
        return None
    number = float(amount)
    return {"amount": int(number) if number.is_integer() else number, "currency": currency}


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _ocds(registration: Registration, solution, target) -> dict:
    """An OCDS-shaped release of the bid: buyer, tenderer, tender and the bid itself."""
    lead = registration.match.lead
    ocid = (lead.exchange_id if lead and lead.exchange_id else None) or (
        f"smartcity-exchange-{target.public_id}"
    )
    vendor = solution.vendor
    buyer_name = lead.buyer if lead else target.buyer_name
    country = lead.country if lead else target.buyer_country
    return {
        "ocid": ocid,
        "id": f"{ocid}-registration-{registration.pk}",
        "date": timezone.now().isoformat(),
        "tag": ["tender"],
        "initiationType": "tender",
        "parties": [
            {
                "id": "buyer",
                "name": buyer_name or "",
                "roles": ["buyer"],
                "address": {"countryName": country},
            },
            {
                "id": f"vendor-{vendor.pk}",
                "name": vendor.name_en or vendor.name_ko,
                "roles": ["tenderer"],
                "address": {"countryName": vendor.country},
            },
        ],
        "buyer": {"id": "buyer", "name": buyer_name or ""},
        "tender": {
            "id": target.public_id,
            "title": target.title_en or target.title_ko,
            "description": target.description_en or target.description_ko,
            "value": _money(target.budget_max, target.budget_currency),
            "tenderPeriod": {"endDate": _iso(target.deadline)},
            "items": [
                {
                    "id": "1",
                    "description": solution.name_en or solution.name_ko,
                    "classification": {"scheme": "smartcity-exchange", "id": solution.category},
                }
            ],
        },
        "bids": {
            "details": [
                {
                    "id": f"registration-{registration.pk}",
                    "status": {"registered": "valid", "rejected": "disqualified"}.get(
                        registration.status, "pending"
                    ),
                    "tenderers": [{"id": f"vendor-{vendor.pk}", "name": vendor.name_en}],
                    "value": _money(solution.price_max or solution.price_min, solution.currency),
                }
            ]
        },
    }


def registration_dossier_json(registration: Registration) -> dict:
    """Everything a procurement office needs about the registration, as JSON-ready data."""
    match = registration.match
    target = match.need or match.lead
    solution = registration.solution
    pilots = []
    for pilot in solution.pilots.prefetch_related("kpis"):
        pilots.append(
            {
                "city": pilot.city,
                "country": pilot.country,
                "tier": pilot.tier,
                "population": pilot.population,
                "start": _iso(pilot.start),
                "end": _iso(pilot.end),
                "verification": pilot.verification,
                "kpis": [
                    {
                        "indicator": k.indicator,
                        "baseline": k.baseline,
                        "result": k.result,
                        "unit": k.unit,
                        "improvement": kpi_improvement(k.baseline, k.result, k.better),
                    }
                    for k in pilot.kpis.all()
                ],
            }
        )
    dossier = {
        "registration": {
            "id": registration.pk,
            "channel": registration.channel,
            "channel_label": registration.get_channel_display(),
            "status": registration.status,
            "opened_by": registration.organisation.name,
            "note": registration.note,
            "created_at": _iso(registration.created_at),
            "submitted_at": _iso(registration.submitted_at),
            "decided_at": _iso(registration.decided_at),
            "checked_on": _iso(deadline_of(match)),
        },
        "target": {
            "kind": "need" if match.need_id else "lead",
            "id": target.public_id,
            "title": {"ko": target.title_ko, "en": target.title_en},
            "deadline": _iso(target.deadline),
            "budget": _money(target.budget_max, target.budget_currency),
            "required_certifications": list(target.required_certifications or []),
        },
        "match": {
            "score": match.score,
            "compliant": match.compliant,
            "violations": match.violations,
            "explanation": {"ko": match.explanation_ko, "en": match.explanation_en},
        },
        "solution": {
            "id": solution.public_id,
            "name": {"ko": solution.name_ko, "en": solution.name_en},
            "vendor": solution.vendor.name,
            "summary": {"ko": solution.summary_ko, "en": solution.summary_en},
            "category": solution.category,
            "price": {
                "min": _money(solution.price_min, solution.currency),
                "max": _money(solution.price_max, solution.currency),
                "model": solution.pricing_model,
            },
            "languages": solution.languages,
            "reference_countries": solution.reference_countries,
            "standards": solution.standards,
        },
        "certifications": [
            {
                "type": c.type,
                "number": c.number,
                "issuer": c.issuer,
                "valid_from": _iso(c.valid_from),
                "valid_until": _iso(c.valid_until),
                "verification": c.verification,
            }
            for c in solution.certifications.all()
        ],
        "pilots": pilots,
        "checklist": checklist_dicts(registration),
        "history": [
            {
                "from": e.from_status,
                "to": e.to_status,
                "by": e.actor.get_username() if e.actor else None,
                "at": _iso(e.at),
                "note": e.note,
            }
            for e in registration.events.select_related("actor")
        ],
    }
    if registration.channel == Channel.OVERSEAS_TENDER:
        dossier["ocds"] = _ocds(registration, solution, target)
    return dossier


def _en_ko(text) -> dict[str, str]:
    """``text()`` in English and in Korean (labels of choices, dates, numbers)."""
    both = {}
    for language in ("en", "ko"):
        with translation.override(language):
            both[language] = str(text())
    return both


def _amount(money: dict | None) -> str:
    if not money:
        return ""
    places = 0 if isinstance(money["amount"], int) else 2
    number = formats.number_format(money["amount"], places, use_l10n=True, force_grouping=True)
    return f"{number} {money['currency']}".strip()


def _date(value) -> str:
    with translation.override("en"):
        return formats.date_format(value, "DATE_FORMAT") if value else "—"


def _when(value) -> str:
    with translation.override("en"):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else "—"


def _for_people(registration: Registration, d: dict) -> dict:
    """What the printable page shows instead of the JSON's codes: labels, dates, amounts."""
    day = deadline_of(registration.match)
    solution = registration.solution
    certifications = []
    for cert in solution.certifications.all():
        state = certification_state(cert, day)
        certifications.append(
            {
                "type": _en_ko(cert.get_type_display),
                "number": cert.number,
                "issuer": cert.issuer,
                "valid": f"{_date(cert.valid_from)} – {_date(cert.valid_until)}",
                "verification": _en_ko(cert.get_verification_display),
                # judged on the day the checklist is judged on, not on the day of printing
                "state": state,
                "state_label": _en_ko(lambda state=state: BADGE_TEXT[state]),
                "in_force": state in ("valid", "expiring"),
            }
        )
    tiers = dict(Tier.choices)
    pilots = []
    for p, data in zip(solution.pilots.all(), d["pilots"], strict=True):
        size = _en_ko(lambda p=p: tiers.get(p.tier, p.tier) if p.tier else "")
        population = (
            formats.number_format(p.population, 0, force_grouping=True) if p.population else ""
        )
        pilots.append(
            {
                "size": size,
                "population": population,
                "period": f"{_date(p.start)} – {_date(p.end)}",
                "verification": _en_ko(p.get_verification_display),
                "d": data,
            }
        )
    statuses = dict(Registration.Status.choices)
    history = [
        {
            "at": _when(e.at),
            "from": _en_ko(lambda e=e: statuses.get(e.from_status, "—") if e.from_status else "—"),
            "to": _en_ko(lambda e=e: statuses.get(e.to_status, e.to_status)),
            "d": data,
        }
        for e, data in zip(registration.events.all(), d["history"], strict=True)
    ]
    target = d["target"]
    return {
        "status": _en_ko(registration.get_status_display),
        "opened_by": registration.organisation.name_en or registration.organisation.name,
        "vendor": solution.vendor.name_en or solution.vendor.name,
        "checked_on": _date(day),
        "kind": _en_ko(lambda: _("Need") if target["kind"] == "need" else _("Lead")),
        "deadline": _date(
            registration.match.need.deadline
            if registration.match.need_id
            else registration.match.lead.deadline
        ),
        "budget": _amount(target["budget"]),
        "price_min": _amount(d["solution"]["price"]["min"]),
        "price_max": _amount(d["solution"]["price"]["max"]),
        "pricing_model": _en_ko(solution.get_pricing_model_display)
        if solution.pricing_model
        else None,
        "certifications": certifications,
        "pilots": pilots,
        "history": history,
    }


def registration_dossier_html(registration: Registration) -> str:
    """The dossier as a printable HTML page."""
    d = registration_dossier_json(registration)
    return render_to_string("matching/dossier.html", {"d": d, "h": _for_people(registration, d)})
