"""Closed vocabularies of the smartcity-exchange/1 format (../shared/exchange-format.md)."""

import json
from pathlib import Path

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    MOBILITY = "mobility", _("Mobility")
    SAFETY = "safety", _("Safety")
    ENERGY = "energy", _("Energy")
    ENVIRONMENT = "environment", _("Environment")
    WATER = "water", _("Water")
    WASTE = "waste", _("Waste")
    HEALTH = "health", _("Health")
    WELFARE = "welfare", _("Welfare")
    GOVERNANCE = "governance", _("Governance")
    EDUCATION = "education", _("Education")
    TOURISM = "tourism", _("Tourism")
    BUILDING = "building", _("Building")
    LOGISTICS = "logistics", _("Logistics")
    PLATFORM = "platform", _("Platform")


class CertificationType(models.TextChoices):
    GS = "gs", _("GS (Good Software)")
    PPS_INNOVATION = "pps-innovation", _("Public procurement innovation product")
    PPS_EXCELLENT = "pps-excellent", _("Public procurement excellent product")
    NEP = "nep", _("NEP (New Excellent Product)")
    NET = "net", _("NET (New Excellent Technology)")
    PERFORMANCE_CERT = "performance-cert", _("Performance certification")
    KC = "kc", _("KC")
    CC = "cc", _("Common Criteria")
    ISO_27001 = "iso-27001", _("ISO/IEC 27001")
    ISO_9001 = "iso-9001", _("ISO 9001")
    CE = "ce", _("CE")
    UL = "ul", _("UL")
    FCC = "fcc", _("FCC")
    OTHER = "other", _("Other")


class Tier(models.TextChoices):
    METROPOLITAN = "metropolitan", _("Metropolitan")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


class VendorSize(models.TextChoices):
    STARTUP = "startup", _("Startup")
    SME = "sme", _("SME")
    LARGE = "large", _("Large")


class Deployment(models.TextChoices):
    CLOUD = "cloud", _("Cloud")
    ON_PREMISE = "on-premise", _("On-premise")
    HYBRID = "hybrid", _("Hybrid")
    EDGE = "edge", _("Edge")


class PricingModel(models.TextChoices):
    PER_UNIT = "per-unit", _("Per unit")
    SUBSCRIPTION = "subscription", _("Subscription")
    PROJECT = "project", _("Project")


class Better(models.TextChoices):
    LOWER = "lower", _("Lower is better")
    HIGHER = "higher", _("Higher is better")


class Financing(models.TextChoices):
    MDB = "mdb", _("Multilateral development bank")
    GOVERNMENT = "government", _("Government")
    PPP = "ppp", _("Public-private partnership")
    PRIVATE = "private", _("Private")


class LeadSource(models.TextChoices):
    KOTRA = "kotra", "KOTRA"
    WORLD_BANK = "world-bank", _("World Bank")
    ADB = "adb", "ADB"
    TED = "ted", "TED"
    OTHER = "other", _("Other")


LANGUAGE_CODES = ("ko", "en")


_SCHEMA_ENUMS = json.loads(
    Path(__file__).with_name("exchange.schema.json").read_text(encoding="utf-8")
)["$defs"]
# ISO 3166-1 alpha-2 and ISO 4217 codes; the exchange JSON Schema is their one source.
COUNTRY_CODES: frozenset[str] = frozenset(_SCHEMA_ENUMS["country"]["enum"])
CURRENCY_CODES: frozenset[str] = frozenset(_SCHEMA_ENUMS["currency"]["enum"])
