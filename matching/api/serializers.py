"""Input and output shapes of the matching API."""

from rest_framework import serializers

from catalogue.vocabularies import CertificationType
from config.api_errors import RejectUnknownFieldsMixin

from ..models import AlertSubscription, Channel, Lead, Match, Need, Registration
from ..registrations import checklist_dicts
from ..validators import validate_country_code, validate_currency_code


class _Certifications(serializers.ListField):
    child = serializers.ChoiceField(choices=CertificationType.choices)


class _Code(serializers.CharField):
    """An ISO code, upper-cased before it is checked ("vn" is VN), as the CSV import does."""

    def to_internal_value(self, data):
        return super().to_internal_value(data).upper()


def _country(**kwargs) -> _Code:
    return _Code(max_length=2, validators=[validate_country_code], **kwargs)


def _currency() -> _Code:
    return _Code(
        max_length=3, required=False, allow_blank=True, validators=[validate_currency_code]
    )


class NeedSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    required_certifications = _Certifications(required=False)
    budget_currency = _currency()
    buyer_tier = serializers.ChoiceField(
        Need.buyer_tier.field.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Need
        fields = [
            "id", "title_ko", "title_en", "description_ko", "description_en", "category",
            "budget_max", "budget_currency", "required_certifications", "deadline",
            "procurement_method", "status", "buyer_name", "buyer_tier", "buyer_population",
            "created_at", "published_at",
        ]  # fmt: skip
        read_only_fields = [
            "status", "buyer_name", "buyer_tier", "buyer_population", "created_at",
            "published_at",
        ]  # fmt: skip


class LeadSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    required_certifications = _Certifications(required=False)
    country = _country()
    budget_currency = _currency()

    class Meta:
        model = Lead
        fields = [
            "id", "source", "url", "country", "city", "buyer", "title_ko", "title_en",
            "description_ko", "description_en", "category", "budget_max", "budget_currency",
            "financing", "required_certifications", "deadline", "status", "created_at",
        ]  # fmt: skip
        read_only_fields = ["created_at"]


class MatchSerializer(serializers.ModelSerializer):
    solution_name = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField()

    class Meta:
        model = Match
        fields = [
            "id", "need", "lead", "solution", "solution_name", "rank", "score", "compliant",
            "violations", "breakdown", "explanation", "explanation_en", "explanation_ko",
            "status", "decline_reason", "status_changed_at",
        ]  # fmt: skip

    def _language(self) -> str:
        request = self.context.get("request")
        lang = getattr(request, "LANGUAGE_CODE", "ko") if request else "ko"
        return "en" if str(lang).startswith("en") else "ko"

    def get_solution_name(self, match: Match) -> str:
        s = match.solution
        return (s.name_en or s.name_ko) if self._language() == "en" else (s.name_ko or s.name_en)

    def get_explanation(self, match: Match) -> str:
        return match.explanation(self._language())


class MatchStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Match.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RegistrationSerializer(serializers.ModelSerializer):
    checklist = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "id", "match", "solution", "organisation", "channel", "status", "note", "checklist",
            "checklist_at_submit", "events", "created_at", "submitted_at", "decided_at",
        ]  # fmt: skip
        read_only_fields = [
            "match", "solution", "organisation", "status", "checklist_at_submit", "created_at",
            "submitted_at", "decided_at",
        ]  # fmt: skip

    def get_checklist(self, registration: Registration) -> list[dict]:
        return checklist_dicts(registration)

    def get_events(self, registration: Registration) -> list[dict]:
        return [
            {"from": e.from_status, "to": e.to_status, "note": e.note, "at": e.at,
             "by": e.actor_id}
            for e in registration.events.all()
        ]  # fmt: skip


class RegistrationOpenSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RegistrationTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Registration.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AlertSubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertSubscription
        fields = ["id", "solution", "category", "threshold", "email", "active", "created_at"]
        read_only_fields = ["active", "created_at"]
