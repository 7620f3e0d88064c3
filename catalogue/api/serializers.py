"""API shapes: output serializers mirror the models; input serializers check types only
(and refuse keys they do not take).

The services own the rules (vocabularies, ranges, permissions); these fields also document
the API in the OpenAPI schema.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api_errors import RejectUnknownFieldsMixin

from ..models import (
    KPI_VALUE_LIMIT,
    Certification,
    Kpi,
    Organisation,
    Pilot,
    Solution,
    SolutionImage,
    Verification,
)
from ..permissions import is_operator, owns_solution
from ..vocabularies import (
    LANGUAGE_CODES,
    Better,
    Category,
    CertificationType,
    Deployment,
    PricingModel,
    Tier,
)

# --- output -------------------------------------------------------------------------------


class VendorBriefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    # Both may be blank; the schema must say so (an empty string is not a URI or a size).
    size = serializers.ChoiceField(
        choices=Organisation._meta.get_field("size").choices, allow_blank=True, read_only=True
    )
    website = serializers.CharField(read_only=True, help_text="A URL, or empty.")

    class Meta:
        model = Organisation
        fields = ["id", "name", "name_en", "name_ko", "country", "size", "website"]
        read_only_fields = fields


class KpiSerializer(serializers.ModelSerializer):
    improvement = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Relative change in the good direction."
    )

    class Meta:
        model = Kpi
        fields = [
            "id",
            "pilot",
            "indicator",
            "iso37122",
            "baseline",
            "result",
            "unit",
            "better",
            "improvement",
        ]
        read_only_fields = fields


class PilotSerializer(serializers.ModelSerializer):
    kpis = KpiSerializer(many=True, read_only=True)

    class Meta:
        model = Pilot
        fields = [
            "id",
            "solution",
            "city",
            "country",
            "tier",
            "population",
            "start",
            "end",
            "summary_en",
            "summary_ko",
            "verification",
            "verification_note",
            "verified_at",
            "kpis",
        ]
        read_only_fields = fields


class CertificationSerializer(serializers.ModelSerializer):
    valid_today = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = Certification
        fields = [
            "id",
            "solution",
            "type",
            "number",
            "issuer",
            "valid_from",
            "valid_until",
            "valid_today",
            "evidence",
            "verification",
            "verification_note",
            "verified_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_valid_today(self, obj: Certification) -> bool:
        return obj.is_valid_on(timezone.localdate())

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_evidence(self, obj: Certification) -> str | None:
        """The file's URL for its vendor and operators only: the file is served by its random
        name, so handing the URL to anyone else would bypass the evidence page's check."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not obj.evidence or not (is_operator(user) or owns_solution(user, obj.solution)):
            return None
        return request.build_absolute_uri(obj.evidence.url)


class SolutionImageSerializer(serializers.ModelSerializer):
    class Meta:
        model = SolutionImage
        fields = [
            "id",
            "image",
            "thumbnail",
            "width",
            "height",
            "format",
            "alt_en",
            "alt_ko",
            "position",
        ]
        read_only_fields = fields


SOLUTION_OUTPUT_FIELDS = [
    "id",
    "public_id",
    "vendor",
    "name_en",
    "name_ko",
    "summary_en",
    "summary_ko",
    "description_en",
    "description_ko",
    "category",
    "tags",
    "standards",
    "deployment",
    "price_min",
    "price_max",
    "currency",
    "pricing_model",
    "languages",
    "trl",
    "reference_countries",
    "status",
    "review_note",
    "changed_since_review",
    "version",
    "created_at",
    "updated_at",
    "submitted_at",
    "published_at",
]


class SolutionSerializer(serializers.ModelSerializer):
    vendor = VendorBriefSerializer(read_only=True)
    public_id = serializers.CharField(read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    standards = serializers.ListField(child=serializers.CharField(), read_only=True)
    deployment = serializers.ListField(
        child=serializers.ChoiceField(choices=Deployment.choices), read_only=True
    )
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CODES), read_only=True
    )
    reference_countries = serializers.ListField(child=serializers.CharField(), read_only=True)
    certifications = CertificationSerializer(many=True, read_only=True)
    pilots = PilotSerializer(many=True, read_only=True)
    images = SolutionImageSerializer(many=True, read_only=True)

    class Meta:
        model = Solution
        fields = [*SOLUTION_OUTPUT_FIELDS, "certifications", "pilots", "images"]
        read_only_fields = fields


class SolutionBriefSerializer(serializers.ModelSerializer):
    vendor = VendorBriefSerializer(read_only=True)

    class Meta:
        model = Solution
        fields = [
            "id",
            "vendor",
            "name_en",
            "name_ko",
            "category",
            "status",
            "changed_since_review",
            "version",
            "submitted_at",
            "updated_at",
        ]
        read_only_fields = fields


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    version = serializers.IntegerField()
    status = serializers.CharField()
    at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True)
    operation = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    reason = serializers.CharField(allow_blank=True)
    changes = HistoryChangeSerializer(many=True)


class ReviewQueueSerializer(serializers.Serializer):
    submitted = SolutionBriefSerializer(many=True)
    changed_since_review = SolutionBriefSerializer(many=True)
    pending_certifications = CertificationSerializer(many=True)
    pending_pilots = PilotSerializer(many=True)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


# --- input --------------------------------------------------------------------------------


def _text(max_length: int | None = None):
    return serializers.CharField(
        required=False, allow_blank=True, max_length=max_length, trim_whitespace=True
    )


def _strings():
    return serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )


class SolutionInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    name_en = _text(200)
    name_ko = _text(200)
    summary_en = _text()
    summary_ko = _text()
    description_en = _text()
    description_ko = _text()
    category = serializers.ChoiceField(choices=Category.choices)
    tags = _strings()
    standards = _strings()
    deployment = serializers.ListField(
        child=serializers.ChoiceField(choices=Deployment.choices), required=False
    )
    price_min = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    price_max = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    currency = serializers.CharField(
        required=False, allow_blank=True, max_length=3, help_text="ISO 4217, e.g. KRW."
    )
    pricing_model = serializers.ChoiceField(
        choices=PricingModel.choices, required=False, allow_blank=True
    )
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CODES), required=False
    )
    trl = serializers.IntegerField(min_value=1, max_value=9, allow_null=True, required=False)
    reference_countries = serializers.ListField(
        child=serializers.CharField(max_length=2),
        required=False,
        help_text="ISO 3166-1 alpha-2 codes, e.g. KR.",
    )
    version = serializers.IntegerField(
        required=False,
        write_only=True,
        help_text="The version you edited (or send If-Match); a stale one is a 409.",
    )


class CertificationInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    type = serializers.ChoiceField(choices=CertificationType.choices)
    number = _text(100)
    issuer = _text(200)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)
    evidence = serializers.FileField(
        required=False, help_text="PDF, JPEG, PNG or WebP (multipart upload)."
    )


class PilotInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    city = serializers.CharField(max_length=200)
    country = serializers.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. KR.")
    tier = serializers.ChoiceField(choices=Tier.choices, required=False, allow_blank=True)
    population = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    start = serializers.DateField(required=False, allow_null=True)
    end = serializers.DateField(required=False, allow_null=True)
    summary_en = _text()
    summary_ko = _text()


class KpiInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    indicator = serializers.CharField(max_length=300)
    iso37122 = _text(32)
    baseline = serializers.FloatField(min_value=-KPI_VALUE_LIMIT, max_value=KPI_VALUE_LIMIT)
    result = serializers.FloatField(min_value=-KPI_VALUE_LIMIT, max_value=KPI_VALUE_LIMIT)
    unit = _text(50)
    better = serializers.ChoiceField(choices=Better.choices)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why; shown to the vendor.")


class ArchiveSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class VerifySerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["verified", "rejected"])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    expected = serializers.ChoiceField(
        choices=Verification.values,
        required=False,
        help_text="The status the decision was made on; a 409 if another operator changed it.",
    )
