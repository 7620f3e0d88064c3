"""Web pages of the municipality and export-agency workspaces."""

from django.urls import path

from . import views

app_name = "matching"
urlpatterns = [
    path("buyer/", views.buyer_home, name="buyer"),
    path("buyer/needs/new/", views.buyer_need_create, name="buyer-need-new"),
    path("buyer/needs/<int:need_id>/", views.buyer_need, name="buyer-need"),
    path("buyer/needs/<int:need_id>/edit/", views.buyer_need_edit, name="buyer-need-edit"),
    path("buyer/needs/<int:need_id>/publish/", views.buyer_need_publish, name="buyer-need-publish"),
    path("buyer/needs/<int:need_id>/rematch/", views.buyer_need_rematch, name="buyer-need-rematch"),
    path(
        "buyer/matches/<int:match_id>/status/",
        views.buyer_match_status,
        name="buyer-match-status",
    ),
    path("vendor/needs/<int:need_id>/", views.vendor_need, name="vendor-need"),
    path("vendor/leads/<int:lead_id>/", views.vendor_lead, name="vendor-lead"),
    path("agency/", views.agency_home, name="agency"),
    path("agency/upload/", views.agency_upload, name="agency-upload"),
    path("agency/leads-template.csv", views.agency_template, name="agency-template"),
    path("agency/leads/<int:lead_id>/", views.agency_lead, name="agency-lead"),
    path(
        "agency/leads/<int:lead_id>/rematch/",
        views.agency_lead_rematch,
        name="agency-lead-rematch",
    ),
    path(
        "agency/leads/<int:lead_id>/shortlist.csv",
        views.agency_export,
        {"fmt": "csv"},
        name="agency-export-csv",
    ),
    path(
        "agency/leads/<int:lead_id>/shortlist.xlsx",
        views.agency_export,
        {"fmt": "xlsx"},
        name="agency-export-xlsx",
    ),
    path(
        "agency/matches/<int:match_id>/status/",
        views.agency_match_status,
        name="agency-match-status",
    ),
    path(
        "matches/<int:match_id>/registrations/",
        views.registration_open,
        name="registration-open",
    ),
    path("registrations/<int:registration_id>/", views.registration_detail, name="registration"),
    path(
        "registrations/<int:registration_id>/transition/",
        views.registration_transition,
        name="registration-transition",
    ),
]
