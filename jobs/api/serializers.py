from django.urls import reverse
from rest_framework import serializers

from ..kinds import KINDS
from ..models import Job


class JobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    started_by = serializers.IntegerField(source="started_by_id", read_only=True)

    class Meta:
        model = Job
        fields = [
            "id", "url", "kind", "status", "progress", "started_by", "input_name", "params",
            "created_at", "started_at", "finished_at", "attempts", "language", "error", "result",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, job) -> str:
        path = reverse("job-detail", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_progress(self, job) -> dict:
        total = job.progress_total
        percent = round(100 * job.progress_done / total, 1) if total else None
        if job.status == Job.Status.DONE:
            percent = 100.0
        return {"done": job.progress_done, "total": total, "percent": percent}


class JobCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=sorted(KINDS))
    file = serializers.FileField(required=False)
    publish = serializers.BooleanField(required=False, default=True)
    default_country = serializers.RegexField(r"^[A-Za-z]{2}$", required=False)
    registration = serializers.IntegerField(required=False, min_value=1)

    def params(self) -> dict:
        data = self.validated_data
        params = {}
        if data["kind"] == Job.Kind.EXCHANGE_IMPORT:
            params["publish"] = data["publish"]
        for key in ("default_country", "registration"):
            if key in data:
                params[key] = data[key]
        return params
