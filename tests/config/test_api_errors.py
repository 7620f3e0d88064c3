"""The API's error shape and the input serializers' refusal of keys they do not take."""

import pytest
from rest_framework import serializers

from config.api_errors import RejectUnknownFieldsMixin


class _Input(RejectUnknownFieldsMixin, serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField(read_only=True)
    secret = serializers.CharField(write_only=True, required=False)


def test_unknown_and_read_only_keys_are_errors_named_beside_the_others():
    payload = _Input(data={"kind": "x", "colour": "red", "secret": "s"})
    assert not payload.is_valid()
    assert set(payload.errors) == {"name", "kind", "colour"}


def test_known_writable_keys_pass_and_non_objects_keep_drfs_own_error():
    payload = _Input(data={"name": "a", "secret": "s"})
    assert payload.is_valid(), payload.errors
    assert _Input(data={"name": "a"}, partial=True).is_valid()
    listed = _Input(data=["name"])
    assert not listed.is_valid() and "non_field_errors" in listed.errors


@pytest.mark.parametrize("data", [{"name": "a", "extra": 1}, {"extra": 1}])
def test_partial_input_is_checked_too(data):
    payload = _Input(data=data, partial=True)
    assert not payload.is_valid()
    assert "extra" in payload.errors
