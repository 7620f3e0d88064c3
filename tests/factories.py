"""factory_boy factories for the catalogue, and a buyer's parking need for matching tests."""

import datetime as dt

import factory

from catalogue import models


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation

    kind = "vendor"
    name_en = factory.Sequence(lambda n: f"Organisation {n}")
    name_ko = factory.Sequence(lambda n: f"기관 {n}")
    country = "KR"
    status = models.Organisation.Status.APPROVED


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.org")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class SolutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Solution

    vendor = factory.SubFactory(OrganisationFactory, kind="vendor")
    name_en = factory.Sequence(lambda n: f"Smart parking guidance {n}")
    name_ko = factory.Sequence(lambda n: f"스마트 주차 안내 {n}")
    summary_en = "Guides drivers to free parking spaces in real time."
    summary_ko = "빈 주차면을 실시간으로 안내합니다."
    category = "mobility"
    tags = ["parking", "iot-sensor"]
    standards = ["NGSI-LD"]
    deployment = ["cloud"]
    price_min = 10_000_000
    price_max = 50_000_000
    currency = "KRW"
    pricing_model = "project"
    languages = ["ko", "en"]
    trl = 8
    reference_countries = ["KR"]
    status = models.Solution.Status.DRAFT


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Certification

    solution = factory.SubFactory(SolutionFactory)
    type = "gs"
    number = factory.Sequence(lambda n: f"GS-24-{n:04d}")
    issuer = "TTA"
    valid_from = dt.date(2024, 1, 1)
    valid_until = dt.date(2027, 12, 31)


class PilotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Pilot

    solution = factory.SubFactory(SolutionFactory)
    city = "Yeongam County"
    country = "KR"
    tier = "county"
    population = 52000
    start = dt.date(2024, 1, 1)
    end = dt.date(2024, 12, 31)
    summary_en = "Six sensors in two car parks."


class KpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Kpi

    pilot = factory.SubFactory(PilotFactory)
    indicator = "average search time for a space"
    baseline = 12.0
    result = 7.0
    unit = "min"
    better = "lower"


def parking_need(organisation, deadline=dt.date(2028, 6, 30)):
    """A published need of ``organisation`` that the parking solutions of the tests match."""
    from matching.models import Need

    return Need.objects.create(
        organisation=organisation,
        title_en="Smart parking guidance",
        title_ko="주차 안내 시스템",
        description_en="Guide drivers to free parking spaces in the town centre.",
        category="mobility",
        budget_max=300_000_000,
        budget_currency="KRW",
        required_certifications=["gs"],
        deadline=deadline,
        status=Need.Status.PUBLISHED,
    )
