"""Seed the currency rates table from matching/data/rates.json."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

RATES_FILE = Path(__file__).resolve().parent.parent / "data" / "rates.json"


def seed(apps, schema_editor):
    CurrencyRate = apps.get_model("matching", "CurrencyRate")
    data = json.loads(RATES_FILE.read_text(encoding="utf-8"))
    for currency, rate in data["rates"].items():
        CurrencyRate.objects.update_or_create(
            currency=currency,
            date=data["date"],
            defaults={"krw_per_unit": Decimal(str(rate)), "source": "matching/data/rates.json"},
        )


def unseed(apps, schema_editor):
    CurrencyRate = apps.get_model("matching", "CurrencyRate")
    CurrencyRate.objects.filter(source="matching/data/rates.json").delete()


class Migration(migrations.Migration):
    dependencies = [("matching", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
