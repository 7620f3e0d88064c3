"""Checks every way a need or lead comes in shares: the exchange import, CSV, OCDS and the API.

Countries are ISO 3166-1 alpha-2 and currencies ISO 4217, from the catalogue's vocabularies
(the exchange schema is their one source). A budget must fit the ``budget_max`` column
(``DecimalField(max_digits=18, decimal_places=2)``), checked the way the exchange import checks
a solution's price, so nothing is stored that the database cannot read back.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from catalogue.exchange import too_large_message
from catalogue.vocabularies import COUNTRY_CODES, CURRENCY_CODES

# What the budget_max column holds (Opportunity.budget_max).
BUDGET_DECIMAL_PLACES = 2
BUDGET_INTEGER_DIGITS = 18 - BUDGET_DECIMAL_PLACES


def amount_problem(value) -> str | None:
    """Why ``value`` cannot be stored as a budget (a number, a Decimal or text), or None."""
    if isinstance(value, bool):
        return _("not a number")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return _("not a number")
    if amount.is_nan():
        return _("not a number")
    if amount < 0:
        return _("must not be negative")
    if not amount.is_finite() or amount >= Decimal(10) ** BUDGET_INTEGER_DIGITS:
        return too_large_message(value)
    if amount.as_tuple().exponent < -BUDGET_DECIMAL_PLACES:  # type: ignore[operator]
        return _("more than 2 decimal places: %(value)r") % {"value": value}
    return None


def validate_budget_max(value) -> None:
    """Model and serializer validator of ``budget_max``."""
    if value is not None and (problem := amount_problem(str(value))):
        raise ValidationError(problem, code="budget_max")


def validate_country_code(value: str) -> None:
    """An ISO 3166-1 alpha-2 code in upper case (KR, VN)."""
    if value not in COUNTRY_CODES:
        raise ValidationError(
            _("%(value)r is not an ISO 3166-1 alpha-2 country code (such as KR or VN)"),
            code="country",
            params={"value": value},
        )


def validate_currency_code(value: str) -> None:
    """An ISO 4217 code in upper case (KRW, USD); empty is allowed (no budget)."""
    if value and value not in CURRENCY_CODES:
        raise ValidationError(
            _("%(value)r is not an ISO 4217 currency code (such as KRW or USD)"),
            code="currency",
            params={"value": value},
        )
