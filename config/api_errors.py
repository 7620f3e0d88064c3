"""One error shape for the API: ``{"detail": ..., "errors": {field: [reasons]}}``.

Bad input is a 400 naming the field, never a 500.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail=detail)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        errors = response.data
        if not isinstance(errors, dict):
            errors = {"non_field_errors": errors}
        response.data = {"detail": "Invalid input.", "errors": errors}
    return response


class RejectUnknownFieldsMixin:
    """For input serializers: a key the serializer does not take (unknown, or read-only like
    ``status``) is a 400 naming it, beside the other errors, instead of being dropped unseen."""

    def to_internal_value(self, data):
        errors = {}
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            errors = {name: [_("Unknown field.")] for name in sorted(set(data.keys()) - writable)}
        try:
            value = super().to_internal_value(data)
        except exceptions.ValidationError as exc:
            if errors and isinstance(exc.detail, dict):
                raise exceptions.ValidationError({**errors, **exc.detail})
            raise
        if errors:
            raise exceptions.ValidationError(errors)
        return value
