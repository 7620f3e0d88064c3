"""What a budget, a country and a currency must be, however a need or lead comes in."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from matching.validators import amount_problem, validate_country_code, validate_currency_code


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.mark.parametrize("value", [0, 2500000, 2500000.5, "9999999999999999.99", Decimal("1.10")])
def test_amounts_the_budget_column_holds_pass(value):
    assert amount_problem(value) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (1e25, "too large to store"),
        (1e30, "too large to store"),
        ("10000000000000000", "too large to store"),
        ("Infinity", "too large to store"),
        ("NaN", "not a number"),
        ("ten", "not a number"),
        (True, "not a number"),
        (-1, "must not be negative"),
        ("1.234", "more than 2 decimal places"),
    ],
)
def test_amounts_the_budget_column_cannot_hold_are_refused_with_a_reason(value, reason):
    assert reason in amount_problem(value)


def test_codes_are_iso_and_upper_case():
    validate_country_code("VN")
    validate_currency_code("KRW")
    validate_currency_code("")  # no budget
    for bad in ("ZZ", "vn", "VNM"):
        with pytest.raises(ValidationError):
            validate_country_code(bad)
    for bad in ("ZZZ", "usd", "US"):
        with pytest.raises(ValidationError):
            validate_currency_code(bad)
