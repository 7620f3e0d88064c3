"""What every API view set shares."""

from django.urls import NoReverseMatch, reverse


class CreatedLocationMixin:
    """``Location`` of a 201 is the created object's API URL.

    DRF's ``CreateModelMixin`` takes it from a serialised field named ``url`` (its hyperlinked
    serializers' self link), so a model with a ``url`` of its own (a lead's tender notice) would
    send the client there, and one without gets an empty header.
    """

    def get_success_headers(self, data):
        pk = data.get("id") if isinstance(data, dict) else None
        if pk is None:
            return {}
        try:
            path = reverse(f"{self.basename}-detail", args=[pk])
        except NoReverseMatch:
            return {}
        return {"Location": self.request.build_absolute_uri(path)}
