"""Web pages of the catalogue (organisation sign-up, membership)."""

from django.urls import path

from . import views

app_name = "catalogue"
urlpatterns = [
    path("", views.home, name="home"),
    path("organisation/", views.organisation, name="organisation"),
    path("organisation/invitations/", views.organisation_invite, name="organisation-invite"),
    path(
        "organisation/members/<int:member_id>/remove/",
        views.member_remove_view,
        name="member-remove",
    ),
    path(
        "organisation/members/<int:member_id>/admin/",
        views.member_admin_view,
        name="member-admin",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
