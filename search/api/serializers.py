"""Query parameters of the search API, validated so that a bad one is a 400 that names it."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from rest_framework import serializers

from catalogue.vocabularies import LANGUAGE_CODES, Category, CertificationType, Deployment, Tier
from search.types import SORTS, SearchQuery

MAX_PAGE = 500


class MultiValueField(serializers.Field):
    """``?x=a,b`` or ``?x=a&x=b``; each value checked against ``choices`` or ``pattern``."""

    def __init__(self, *, choices=None, pattern=None, **kwargs):
        self.choices = tuple(choices) if choices else None
        self.pattern = re.compile(pattern) if pattern else None
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist"):
            values = dictionary.getlist(self.field_name)
            return values if values else serializers.empty
        return dictionary.get(self.field_name, serializers.empty)

    def to_internal_value(self, data):
        raw = data if isinstance(data, list) else [data]
        values = []
        for item in raw:
            for value in str(item).split(","):
                value = value.strip()
                if not value:
                    continue
                if self.choices is not None and value not in self.choices:
                    raise serializers.ValidationError(
                        _("“%(value)s” is not valid; expected one of: %(choices)s.")
                        % {"value": value, "choices": ", ".join(self.choices)}
                    )
                if self.pattern is not None and not self.pattern.fullmatch(value):
                    raise serializers.ValidationError(
                        _("“%(value)s” is not a valid code.") % {"value": value}
                    )
                values.append(value)
        return tuple(dict.fromkeys(values))

    def to_representation(self, value):
        return list(value)


class QueryParamsSerializer(serializers.Serializer):
    """Query parameters: fields built and bound once per class, not once per request.

    DRF deep-copies every declared field for each serializer instance; for the search
    parameters that was 0.4 ms of CPU in every search request, about 7 % of it. Fields of
    query parameters keep no per-request state (no instance, no context: validation reads
    only the data passed in), so one bound set, made on a template instance, serves all.
    """

    @property
    def fields(self):
        cls = type(self)
        fields = _bound_fields.get(cls)
        if fields is None:
            template = cls.__new__(cls)
            serializers.Serializer.__init__(template)
            fields = _bound_fields.setdefault(cls, serializers.Serializer.fields.func(template))
        return fields


_bound_fields: dict[type, dict] = {}


class SearchParamsSerializer(QueryParamsSerializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    category = MultiValueField(choices=Category.values)
    certification = MultiValueField(choices=CertificationType.values)
    valid_on = serializers.DateField(required=False)
    tier = MultiValueField(choices=Tier.values)
    country = MultiValueField(pattern=r"[A-Z]{2}")
    deployment = MultiValueField(choices=Deployment.values)
    standard = MultiValueField(pattern=r"[\w.\- ]{1,40}")
    language = MultiValueField(choices=LANGUAGE_CODES)
    price_max = serializers.DecimalField(
        required=False, max_digits=18, decimal_places=2, min_value=0
    )
    sort = serializers.ChoiceField(choices=SORTS, required=False, default="relevance")
    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=50, default=10)
    facets = serializers.BooleanField(
        required=False,
        default=True,
        help_text="false: no facet counts (`facets` is {}), one pass over the matches fewer.",
    )
    highlight = serializers.BooleanField(
        required=False,
        default=True,
        help_text="false: no highlighted fragments (each hit's `highlights` is {}).",
    )

    def to_query(self) -> SearchQuery:
        data = self.validated_data
        price = data.get("price_max")
        return SearchQuery(
            text=data.get("q", ""),
            category=data.get("category", ()),
            certification=data.get("certification", ()),
            valid_on=data.get("valid_on"),
            tier=data.get("tier", ()),
            country=data.get("country", ()),
            deployment=data.get("deployment", ()),
            standard=data.get("standard", ()),
            language=data.get("language", ()),
            price_max=float(price) if price is not None else None,
            sort=data.get("sort", "relevance"),
            page=data.get("page", 1),
            page_size=data.get("page_size", 10),
            facets=data.get("facets", True),
            highlight=data.get("highlight", True),
        )


class SuggestParamsSerializer(QueryParamsSerializer):
    q = serializers.CharField(max_length=100)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=20, default=8)


class BilingualTextSerializer(serializers.Serializer):
    ko = serializers.CharField(allow_blank=True)
    en = serializers.CharField(allow_blank=True)


class HitVendorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="In the request's language.")


class SearchHitSerializer(serializers.Serializer):
    """One hit: the solution's summary fields, its score and highlighted fragments.

    The fields are declared for the API's schema; ``to_representation`` writes them directly,
    as a page of hits is formatted on every search and has nothing to validate.
    """

    id = serializers.IntegerField()
    public_id = serializers.CharField(help_text="The id used in the exchange format.")
    name = BilingualTextSerializer()
    summary = BilingualTextSerializer()
    category = serializers.CharField()
    vendor = HitVendorSerializer()
    tags = serializers.ListField(child=serializers.CharField())
    score = serializers.FloatField()
    highlights = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field (name_ko, summary_en, …) -> HTML fragments; only <b> marks a match.",
    )

    def to_representation(self, instance):
        solution, hit = instance
        return {
            "id": solution.pk,
            "public_id": solution.public_id,
            "name": {"ko": solution.name_ko, "en": solution.name_en},
            "summary": {"ko": solution.summary_ko, "en": solution.summary_en},
            "category": solution.category,
            "vendor": {"id": solution.vendor_id, "name": solution.vendor.name},
            "tags": solution.tags,
            "score": round(hit.score, 4),
            "highlights": hit.highlights,
        }


class SearchResultSerializer(serializers.Serializer):
    """The search API's answer (for the schema: the view writes it directly)."""

    total = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = SearchHitSerializer(many=True)
    facets = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text="Facet (category, certification, tier, country, deployment, standard) -> "
        "value -> matching solutions; {} with facets=false.",
    )
    corrected_query = serializers.CharField(
        allow_null=True,
        help_text="The words searched for when a typo was corrected (`플렛폼` -> `플랫폼`, "
        "`parkng` -> `parking`); null when `q` was searched as given.",
    )


class SuggestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    language = serializers.ChoiceField(choices=LANGUAGE_CODES)


class SuggestResultSerializer(serializers.Serializer):
    results = SuggestionSerializer(many=True)


class UnavailableSerializer(serializers.Serializer):
    detail = serializers.CharField()
    reason = serializers.CharField()
