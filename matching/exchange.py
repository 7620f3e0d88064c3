"""The ``needs`` and ``leads`` sections of smartcity-exchange/1: validate, import, export.

Plugged into ``catalogue.exchange`` with ``register_section`` (see ``apps.py``); also used
directly by the evaluation when the catalogue importer does not know the sections.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from catalogue.models import name_in_own_language
from catalogue.vocabularies import (
    COUNTRY_CODES,
    CURRENCY_CODES,
    Category,
    CertificationType,
    Financing,
    LeadSource,
    Tier,
)

from .models import Lead, Need
from .validators import amount_problem

NEED_KEYS = {
    "id", "buyer", "title", "description", "category", "budget", "required_certifications",
    "deadline", "procurement_method",
}  # fmt: skip
LEAD_KEYS = {
    "id", "source", "url", "country", "city", "buyer", "title", "description", "category",
    "budget", "financing", "required_certifications", "deadline",
}  # fmt: skip
BUYER_KEYS = {"name", "country", "tier", "population"}


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


# What the columns hold: (dotted key within an item, model field).
_LENGTHS = {
    Need: [("id", "exchange_id"), ("title.en", "title_en"), ("title.ko", "title_ko"),
           ("buyer.name", "buyer_name"), ("buyer.name.en", "buyer_name"),
           ("buyer.name.ko", "buyer_name")],
    Lead: [("id", "exchange_id"), ("title.en", "title_en"), ("title.ko", "title_ko"),
           ("url", "url"), ("city", "city"), ("buyer", "buyer")],
}  # fmt: skip


def _text_errors(value, path: str, required: bool) -> list[tuple[str, str]]:
    if value is None:
        return [(path, _("is required"))] if required else []
    if not isinstance(value, dict) or set(value) - {"ko", "en"}:
        return [(path, _('must be {"ko": ..., "en": ...}'))]
    wrong = [lang for lang, text in value.items() if not isinstance(text, str)]
    if wrong:
        return [(f"{path}.{lang}", _("must be text")) for lang in wrong]
    if not any(v.strip() for v in value.values()):
        return [(path, _("needs text in at least one language"))]
    return []


def _date_errors(value, path: str) -> list[tuple[str, str]]:
    if value is None:
        return []
    try:
        dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return [(path, _("must be an ISO 8601 date (YYYY-MM-DD)"))]
    return []


def _is_code(value, codes: frozenset[str]) -> bool:
    return isinstance(value, str) and value in codes


def _budget_errors(value, path: str) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, dict) or set(value) - {"max", "currency"}:
        return [(path, _('must be {"max": number, "currency": "ISO 4217"}'))]
    errors = []
    amount = value.get("max")
    if amount is not None:
        if not isinstance(amount, int | float) or isinstance(amount, bool):
            errors.append((f"{path}.max", _("must be a non-negative number")))
        elif problem := amount_problem(amount):
            errors.append((f"{path}.max", problem))
    if not _is_code(value.get("currency"), CURRENCY_CODES):
        errors.append((f"{path}.currency", _("must be an ISO 4217 code")))
    return errors


def _length_errors(item: dict, path: str, model) -> list[tuple[str, str]]:
    errors = []
    for dotted, field in _LENGTHS[model]:
        value: object = item
        for key in dotted.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        limit = _max_length(model, field)
        if isinstance(value, str) and len(value) > limit:
            errors.append(
                (
                    f"{path}.{dotted}",
                    _("too long to store: %(length)s characters, at most %(limit)s")
                    % {"length": len(value), "limit": limit},
                )
            )
    return errors


def _string_errors(item: dict, path: str, keys: tuple[str, ...]) -> list[tuple[str, str]]:
    return [
        (f"{path}.{key}", _("must be text"))
        for key in keys
        if key in item and not isinstance(item[key], str)
    ]


def _common_errors(item: dict, path: str, keys: set[str]) -> list[tuple[str, str]]:
    errors = [(f"{path}.{key}", _("is not a known key")) for key in sorted(set(item) - keys)]
    if not isinstance(item.get("id"), str) or not item["id"]:
        errors.append((f"{path}.id", _("is required")))
    errors += _text_errors(item.get("title"), f"{path}.title", True)
    errors += _text_errors(item.get("description"), f"{path}.description", False)
    category = item.get("category")
    if category is not None and category not in Category.values:
        errors.append((f"{path}.category", _("%(value)r is not a category") % {"value": category}))
    errors += _budget_errors(item.get("budget"), f"{path}.budget")
    certs = item.get("required_certifications", [])
    if not isinstance(certs, list):
        errors.append((f"{path}.required_certifications", _("must be a list")))
    else:
        for i, cert in enumerate(certs):
            if cert not in CertificationType.values:
                errors.append(
                    (
                        f"{path}.required_certifications[{i}]",
                        _("%(value)r is not a type") % {"value": cert},
                    )
                )
    errors += _date_errors(item.get("deadline"), f"{path}.deadline")
    return errors


def validate_needs(items: list) -> list[tuple[str, str]]:
    """(JSON path, reason) for every problem in a ``needs`` list; empty when valid."""
    errors: list[tuple[str, str]] = []
    for i, item in enumerate(items):
        path = f"needs[{i}]"
        if not isinstance(item, dict):
            errors.append((path, _("must be an object")))
            continue
        errors += _common_errors(item, path, NEED_KEYS)
        if "category" not in item:
            errors.append((f"{path}.category", _("is required")))
        buyer = item.get("buyer")
        if buyer is not None:
            if not isinstance(buyer, dict):
                errors.append((f"{path}.buyer", _("must be an object")))
            else:
                unknown = sorted(set(buyer) - BUYER_KEYS)
                errors += [(f"{path}.buyer.{k}", _("is not a known key")) for k in unknown]
                name = buyer.get("name")
                if isinstance(name, dict):
                    errors += _text_errors(name, f"{path}.buyer.name", False)
                elif name is not None and not isinstance(name, str):
                    errors.append((f"{path}.buyer.name", _("must be text or bilingual text")))
                if not _is_code(buyer.get("country", "KR"), COUNTRY_CODES):
                    errors.append(
                        (f"{path}.buyer.country", _("must be an ISO 3166-1 alpha-2 code"))
                    )
                if buyer.get("tier") not in (None, *Tier.values):
                    errors.append(
                        (
                            f"{path}.buyer.tier",
                            _("%(value)r is not a tier") % {"value": buyer["tier"]},
                        )
                    )
                pop = buyer.get("population")
                if pop is not None and (not isinstance(pop, int) or pop < 0):
                    errors.append((f"{path}.buyer.population", _("must be a non-negative integer")))
        errors += _length_errors(item, path, Need)
    return errors


def validate_leads(items: list) -> list[tuple[str, str]]:
    """(JSON path, reason) for every problem in a ``leads`` list; empty when valid."""
    errors: list[tuple[str, str]] = []
    for i, item in enumerate(items):
        path = f"leads[{i}]"
        if not isinstance(item, dict):
            errors.append((path, _("must be an object")))
            continue
        errors += _common_errors(item, path, LEAD_KEYS)
        if not _is_code(item.get("country"), COUNTRY_CODES):
            errors.append((f"{path}.country", _("must be an ISO 3166-1 alpha-2 code")))
        errors += _string_errors(item, path, ("url", "city", "buyer"))
        url = item.get("url")
        if isinstance(url, str) and not url.startswith(("http://", "https://")):
            errors.append((f"{path}.url", _("must be a web address (http:// or https://)")))
        errors += _length_errors(item, path, Lead)
        if item.get("source") not in (None, *LeadSource.values):
            reason = _("%(value)r is not a source") % {"value": item["source"]}
            errors.append((f"{path}.source", reason))
        if item.get("financing") not in (None, *Financing.values):
            reason = _("%(value)r is not a financing") % {"value": item["financing"]}
            errors.append((f"{path}.financing", reason))
    return errors


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _texts(item: dict, key: str) -> dict[str, str]:
    value = item.get(key) or {}
    return {"ko": value.get("ko", "") or "", "en": value.get("en", "") or ""}


def _buyer_name(name, country: str) -> str:
    """A buyer's name as stored: text as it is; of bilingual text the language the catalogue
    shows an organisation of that country in (Korean first for KR, else English first)."""
    if not isinstance(name, dict):
        return name or ""
    ko, en = (name.get("ko") or "").strip(), (name.get("en") or "").strip()
    return name_in_own_language(ko, en, country)


def _need_fields(item: dict, *, publish: bool) -> dict:
    buyer = item.get("buyer") or {}
    title, description = _texts(item, "title"), _texts(item, "description")
    budget = item.get("budget") or {}
    country = buyer.get("country", "KR")
    return {
        "buyer_name": _buyer_name(buyer.get("name"), country),
        "buyer_country": country,
        "buyer_tier": buyer.get("tier") or "",
        "buyer_population": buyer.get("population"),
        "title_ko": title["ko"],
        "title_en": title["en"],
        "description_ko": description["ko"],
        "description_en": description["en"],
        "category": item["category"],
        "budget_max": _decimal(budget.get("max")),
        "budget_currency": budget.get("currency", ""),
        "required_certifications": list(item.get("required_certifications") or []),
        "deadline": _day(item.get("deadline")),
        "procurement_method": item.get("procurement_method") or "",
        "status": Need.Status.PUBLISHED if publish else Need.Status.DRAFT,
    }


def _lead_fields(item: dict) -> dict:
    title, description = _texts(item, "title"), _texts(item, "description")
    budget = item.get("budget") or {}
    return {
        "source": item.get("source") or LeadSource.OTHER,
        "url": item.get("url", ""),
        "country": item["country"],
        "city": item.get("city", ""),
        "buyer": item.get("buyer", ""),
        "title_ko": title["ko"],
        "title_en": title["en"],
        "description_ko": description["ko"],
        "description_en": description["en"],
        "category": item.get("category") or "",
        "budget_max": _decimal(budget.get("max")),
        "budget_currency": budget.get("currency", ""),
        "financing": item.get("financing") or "",
        "required_certifications": list(item.get("required_certifications") or []),
        "deadline": _day(item.get("deadline")),
    }


def _day(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _upsert(model, items: list, fields_of) -> tuple[int, int, int]:
    """Create or update by ``id``; an item whose stored fields are all equal is not written
    (nor its ``updated_at`` moved). Returns (created, updated, unchanged)."""
    existing = {
        obj.exchange_id: obj
        for obj in model.objects.filter(exchange_id__in=[item["id"] for item in items])
    }
    created = updated = 0
    for item in items:
        fields = fields_of(item)
        obj = existing.get(item["id"])
        if obj is None:
            existing[item["id"]] = model.objects.create(exchange_id=item["id"], **fields)
            created += 1
        elif any(getattr(obj, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(obj, name, value)
            obj.save()
            updated += 1
    return created, updated, len(items) - created - updated


def import_needs(items: list, *, publish: bool = True, actor=None) -> tuple[int, int]:
    """Create or update needs by ``id`` (validate first); returns (created, updated).

    Needs equal to what is stored are left alone and not counted as updated.
    """
    created, updated, _unchanged = _upsert(
        Need, items, lambda item: _need_fields(item, publish=publish)
    )
    return created, updated


def import_leads(items: list, *, publish: bool = True, actor=None) -> tuple[int, int]:
    """Create or update leads by ``id`` (validate first); returns (created, updated).

    Leads have no review status: they are imported open, with or without ``publish``. Leads
    equal to what is stored are left alone and not counted as updated.
    """
    created, updated, _unchanged = _upsert(Lead, items, _lead_fields)
    return created, updated


def _bilingual(ko: str, en: str) -> dict[str, str]:
    return {lang: text for lang, text in (("en", en), ("ko", ko)) if text}


def _budget(amount, currency: str) -> dict | None:
    if amount is None:
        return None
    number = float(amount)
    return {"max": int(number) if number.is_integer() else number, "currency": currency or "KRW"}


def export_needs(queryset=None) -> list[dict]:
    """Published needs as exchange items, oldest first (as solutions are), so that exporting
    what was imported from an export gives the same file."""
    needs = queryset if queryset is not None else Need.objects.filter(status=Need.Status.PUBLISHED)
    items = []
    for need in needs.select_related("organisation").order_by("pk"):
        org = need.organisation
        buyer = {
            "name": (org.name if org else need.buyer_name) or need.buyer_name,
            "country": (org.country if org else need.buyer_country) or "KR",
            "tier": (org.tier if org else need.buyer_tier) or None,
            "population": org.population if org else need.buyer_population,
        }
        item = {
            "id": need.public_id,
            "buyer": {k: v for k, v in buyer.items() if v not in (None, "")},
            "title": _bilingual(need.title_ko, need.title_en),
            "description": _bilingual(need.description_ko, need.description_en) or None,
            "category": need.category,
            "budget": _budget(need.budget_max, need.budget_currency),
            "required_certifications": list(need.required_certifications),
            "deadline": need.deadline.isoformat() if need.deadline else None,
        }
        items.append({k: v for k, v in item.items() if v is not None})
    return items


def export_leads(queryset=None) -> list[dict]:
    """Leads as exchange items, oldest first."""
    items = []
    for lead in (queryset if queryset is not None else Lead.objects.all()).order_by("pk"):
        item = {
            "id": lead.public_id,
            "source": lead.source,
            "url": lead.url or None,
            "country": lead.country,
            "city": lead.city or None,
            "buyer": lead.buyer or None,
            "title": _bilingual(lead.title_ko, lead.title_en),
            "description": _bilingual(lead.description_ko, lead.description_en) or None,
            "category": lead.category or None,
            "budget": _budget(lead.budget_max, lead.budget_currency),
            "financing": lead.financing or None,
            "required_certifications": list(lead.required_certifications),
            "deadline": lead.deadline.isoformat() if lead.deadline else None,
        }
        items.append({k: v for k, v in item.items() if v is not None})
    return items


def _errors(found: list[tuple[str, str]]):
    from catalogue.exchange import ExchangeError

    return [ExchangeError(path, message) for path, message in found]


def _existing(model):
    def exists(ids: set[str]) -> set[str]:
        return set(
            model.objects.filter(exchange_id__in=list(ids)).values_list("exchange_id", flat=True)
        )

    return exists


def register() -> None:
    """Plug the needs and leads sections into the catalogue's exchange importer."""
    from catalogue import exchange as catalogue_exchange

    register_section = getattr(catalogue_exchange, "register_section", None)
    if register_section is None:
        return
    register_section(
        "needs",
        validate=lambda items, document: _errors(validate_needs(items)),
        import_items=import_needs,
        export_items=export_needs,
        exists=_existing(Need),
    )
    register_section(
        "leads",
        validate=lambda items, document: _errors(validate_leads(items)),
        import_items=import_leads,
        export_items=export_leads,
        exists=_existing(Lead),
    )
