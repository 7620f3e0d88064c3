"""API for organisations: my organisation and its members; operators review organisations.

Mounted under /api/v1/ by config/api_urls.py.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Invitation, Organisation, User
from ..selectors_organisations import (
    invitation_expires_at,
    invitation_open_list,
    organisation_get,
    organisation_history,
    organisation_list,
    organisation_members,
)
from ..services.organisations import (
    invitation_create,
    member_remove,
    member_set_admin,
    organisation_approve,
    organisation_reject,
)


class IsOperator(BasePermission):
    message = "Only operators can do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_operator())


class OrganisationSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    # These may be blank; the schema must say so (an empty string is not a URI or a tier).
    tier = serializers.ChoiceField(
        choices=Organisation._meta.get_field("tier").choices, allow_blank=True, read_only=True
    )
    size = serializers.ChoiceField(
        choices=Organisation._meta.get_field("size").choices, allow_blank=True, read_only=True
    )
    website = serializers.CharField(read_only=True, help_text="A URL, or empty.")

    class Meta:
        model = Organisation
        fields = [
            "id",
            "kind",
            "name",
            "name_en",
            "name_ko",
            "country",
            "tier",
            "population",
            "size",
            "website",
            "status",
            "status_reason",
            "approved_at",
            "created_at",
        ]
        read_only_fields = fields


class OrganisationListSerializer(OrganisationSerializer):
    member_count = serializers.IntegerField(read_only=True)

    class Meta(OrganisationSerializer.Meta):
        fields = [*OrganisationSerializer.Meta.fields, "member_count"]
        read_only_fields = fields


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "is_org_admin", "date_joined"]
        read_only_fields = fields


class InvitationSerializer(serializers.ModelSerializer):
    invited_by = serializers.EmailField(source="invited_by.email", read_only=True)
    expires_at = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = ["id", "email", "invited_by", "created_at", "expires_at"]
        read_only_fields = fields

    def get_expires_at(self, invitation) -> str:
        return serializers.DateTimeField().to_representation(invitation_expires_at(invitation))


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()


class MemberUpdateSerializer(serializers.Serializer):
    is_org_admin = serializers.BooleanField()


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=False, trim_whitespace=True)


class OrganisationHistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    type = serializers.CharField()
    by = inline_serializer(
        "OrganisationHistoryUser",
        {"id": serializers.IntegerField(), "email": serializers.EmailField()},
    )
    reason = serializers.CharField()
    changes = serializers.ListField(child=serializers.DictField())


def _my_organisation(request) -> Organisation:
    if request.user.organisation_id is None:
        raise NotFound("You do not belong to an organisation.")
    return request.user.organisation


def _organisation_with_members(organisation: Organisation, user: User) -> dict:
    data = {
        "organisation": OrganisationSerializer(organisation).data,
        "members": MemberSerializer(
            organisation_members(organisation=organisation, user=user), many=True
        ).data,
    }
    if user.organisation_id == organisation.id and user.is_org_admin:
        data["invitations"] = InvitationSerializer(
            invitation_open_list(organisation=organisation), many=True
        ).data
    return data


def _as_drf_error(error: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(error.message_dict)
    return serializers.ValidationError({"non_field_errors": error.messages})


class MyOrganisationView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "MyOrganisation",
            {
                "organisation": OrganisationSerializer(),
                "members": MemberSerializer(many=True),
                "invitations": InvitationSerializer(many=True, required=False),
            },
        )
    )
    def get(self, request):
        """My organisation, its members and (for admins) its open invitations."""
        return Response(_organisation_with_members(_my_organisation(request), request.user))


class MyInvitationsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=InvitationCreateSerializer, responses={201: InvitationSerializer})
    def post(self, request):
        """An admin invites a colleague by e-mail."""
        organisation = _my_organisation(request)
        serializer = InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = invitation_create(
            organisation=organisation, email=serializer.validated_data["email"], by=request.user
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class MyMemberView(APIView):
    permission_classes = [IsAuthenticated]

    def _member(self, request, member_id: int) -> tuple[Organisation, User]:
        organisation = _my_organisation(request)
        member = get_object_or_404(User, pk=member_id, organisation=organisation)
        return organisation, member

    @extend_schema(request=MemberUpdateSerializer, responses={200: MemberSerializer})
    def patch(self, request, member_id: int):
        """An admin gives or takes back the admin role."""
        organisation, member = self._member(request, member_id)
        serializer = MemberUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = member_set_admin(
            organisation=organisation,
            member=member,
            by=request.user,
            is_admin=serializer.validated_data["is_org_admin"],
        )
        return Response(MemberSerializer(member).data)

    @extend_schema(responses={204: None})
    def delete(self, request, member_id: int):
        """An admin removes a colleague; the colleague's API tokens are deleted."""
        organisation, member = self._member(request, member_id)
        member_remove(organisation=organisation, member=member, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrganisationListView(ListAPIView):
    permission_classes = [IsAuthenticated, IsOperator]
    serializer_class = OrganisationListSerializer
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=Organisation.Status.values, required=False)
        ]
    )
    def get(self, request, *args, **kwargs):
        """Operators: all organisations, optionally only those with one ``status``."""
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        try:
            return organisation_list(
                user=self.request.user, status=self.request.query_params.get("status") or None
            )
        except DjangoValidationError as error:
            raise _as_drf_error(error)


def _organisation_for(request, organisation_id: int) -> Organisation:
    try:
        return organisation_get(user=request.user, organisation_id=organisation_id)
    except Organisation.DoesNotExist:
        raise NotFound("No such organisation.")


class OrganisationDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "OrganisationWithMembers",
            {"organisation": OrganisationSerializer(), "members": MemberSerializer(many=True)},
        )
    )
    def get(self, request, organisation_id: int):
        """One organisation with its members: operators, or the organisation's own people."""
        organisation = _organisation_for(request, organisation_id)
        return Response(_organisation_with_members(organisation, request.user))


class OrganisationApproveView(APIView):
    permission_classes = [IsAuthenticated, IsOperator]

    @extend_schema(request=None, responses={200: OrganisationSerializer})
    def post(self, request, organisation_id: int):
        """Operators: approve an organisation; its admins are told by e-mail."""
        organisation = _organisation_for(request, organisation_id)
        organisation = organisation_approve(organisation=organisation, by=request.user)
        return Response(OrganisationSerializer(organisation).data)


class OrganisationRejectView(APIView):
    permission_classes = [IsAuthenticated, IsOperator]

    @extend_schema(request=RejectSerializer, responses={200: OrganisationSerializer})
    def post(self, request, organisation_id: int):
        """Operators: reject an organisation with a reason; its admins are told by e-mail."""
        organisation = _organisation_for(request, organisation_id)
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = organisation_reject(
            organisation=organisation, by=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(OrganisationSerializer(organisation).data)


class OrganisationHistoryView(APIView):
    permission_classes = [IsAuthenticated, IsOperator]

    @extend_schema(responses=OrganisationHistoryEntrySerializer(many=True))
    def get(self, request, organisation_id: int):
        """Operators: every change to an organisation, who made it and when, newest first."""
        organisation = _organisation_for(request, organisation_id)
        return Response(organisation_history(organisation=organisation))


urlpatterns = [
    path("organisations/", OrganisationListView.as_view(), name="api-organisation-list"),
    path("organisations/me/", MyOrganisationView.as_view(), name="api-organisation-me"),
    path(
        "organisations/me/invitations/",
        MyInvitationsView.as_view(),
        name="api-organisation-invitations",
    ),
    path(
        "organisations/me/members/<int:member_id>/",
        MyMemberView.as_view(),
        name="api-organisation-member",
    ),
    path(
        "organisations/<int:organisation_id>/",
        OrganisationDetailView.as_view(),
        name="api-organisation-detail",
    ),
    path(
        "organisations/<int:organisation_id>/approve/",
        OrganisationApproveView.as_view(),
        name="api-organisation-approve",
    ),
    path(
        "organisations/<int:organisation_id>/reject/",
        OrganisationRejectView.as_view(),
        name="api-organisation-reject",
    ),
    path(
        "organisations/<int:organisation_id>/history/",
        OrganisationHistoryView.as_view(),
        name="api-organisation-history",
    ),
]
