"""Web pages of the catalogue (organisation sign-up, membership)."""

from django.urls import path

from . import views, views_public, views_workspace

app_name = "catalogue"
urlpatterns = [
    path("", views_public.home, name="home"),
    path("solutions/<int:solution_id>/", views_public.solution_detail, name="solution"),
    path("compare/", views_public.compare, name="compare"),
    path("compare/add/", views_public.compare_add, name="compare-add"),
    path("compare/remove/", views_public.compare_remove, name="compare-remove"),
    path("dashboard/", views_public.dashboard, name="dashboard"),
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
    # Vendor workspace and the operator's review queue (views_workspace.py).
    path("workspace/vendor/", views_workspace.vendor_home, name="vendor"),
    path(
        "workspace/vendor/solutions/new/",
        views_workspace.vendor_solution_create,
        name="vendor-solution-new",
    ),
    path(
        "workspace/vendor/solutions/<int:solution_id>/",
        views_workspace.vendor_solution,
        name="vendor-solution",
    ),
    path(
        "workspace/vendor/solutions/<int:solution_id>/edit/",
        views_workspace.vendor_solution_edit,
        name="vendor-solution-edit",
    ),
    path(
        "workspace/vendor/solutions/<int:solution_id>/images/",
        views_workspace.vendor_image_add,
        name="vendor-image-add",
    ),
    path(
        "workspace/vendor/solutions/<int:solution_id>/images/<int:image_id>/delete/",
        views_workspace.vendor_image_delete,
        name="vendor-image-delete",
    ),
    path(
        "workspace/vendor/solutions/<int:solution_id>/certifications/",
        views_workspace.vendor_certification_add,
        name="vendor-certification-add",
    ),
    path(
        "workspace/vendor/solutions/<int:solution_id>/pilots/",
        views_workspace.vendor_pilot_add,
        name="vendor-pilot-add",
    ),
    path(
        "workspace/vendor/solutions/<int:solution_id>/pilots/<int:pilot_id>/kpis/",
        views_workspace.vendor_kpi_add,
        name="vendor-kpi-add",
    ),
    path(
        "workspace/vendor/solutions/<int:solution_id>/certifications/<int:certification_id>/edit/",
        views_workspace.vendor_certification_edit,
        name="vendor-certification-edit",
    ),
    path(
        "workspace/vendor/solutions/<int:solution_id>/certifications/<int:certification_id>/delete/",
        views_workspace.vendor_certification_delete,
        name="vendor-certification-delete",
    ),
    path(
        "workspace/vendor/solutions/<int:solution_id>/pilots/<int:pilot_id>/edit/",
        views_workspace.vendor_pilot_edit,
        name="vendor-pilot-edit",
    ),
    path(
        "workspace/vendor/solutions/<int:solution_id>/pilots/<int:pilot_id>/delete/",
        views_workspace.vendor_pilot_delete,
        name="vendor-pilot-delete",
    ),
    path(
        "workspace/vendor/solutions/<int:solution_id>/pilots/<int:pilot_id>/kpis/<int:kpi_id>/edit/",
        views_workspace.vendor_kpi_edit,
        name="vendor-kpi-edit",
    ),
    path(
        "workspace/vendor/solutions/<int:solution_id>/pilots/<int:pilot_id>/kpis/<int:kpi_id>/delete/",
        views_workspace.vendor_kpi_delete,
        name="vendor-kpi-delete",
    ),
    path(
        "workspace/vendor/solutions/<int:solution_id>/archive/",
        views_workspace.vendor_solution_archive,
        name="vendor-solution-archive",
    ),
    path(
        "workspace/vendor/solutions/<int:solution_id>/submit/",
        views_workspace.vendor_solution_submit,
        name="vendor-solution-submit",
    ),
    path(
        "workspace/vendor/solutions/<int:solution_id>/opportunities/refresh/",
        views_workspace.vendor_opportunities_refresh,
        name="vendor-opportunities-refresh",
    ),
    path("workspace/evidence/<int:certification_id>/", views_workspace.evidence, name="evidence"),
    path("workspace/review/", views_workspace.review_queue, name="review"),
    path(
        "workspace/review/solutions/<int:solution_id>/",
        views_workspace.review_solution,
        name="review-solution",
    ),
    path(
        "workspace/review/solutions/<int:solution_id>/publish/",
        views_workspace.review_publish,
        name="review-publish",
    ),
    path(
        "workspace/review/solutions/<int:solution_id>/send-back/",
        views_workspace.review_send_back,
        name="review-send-back",
    ),
    path(
        "workspace/review/certifications/<int:certification_id>/",
        views_workspace.review_certification,
        name="review-certification",
    ),
    path(
        "workspace/review/pilots/<int:pilot_id>/",
        views_workspace.review_pilot,
        name="review-pilot",
    ),
    path(
        "workspace/review/organisations/<int:organisation_id>/",
        views_workspace.review_organisation,
        name="review-organisation",
    ),
]
