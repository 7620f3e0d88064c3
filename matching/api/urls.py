"""Routes of the matching API under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("needs", views.NeedViewSet, basename="need")
router.register("leads", views.LeadViewSet, basename="lead")
router.register(
    "alert-subscriptions", views.AlertSubscriptionViewSet, basename="alert-subscription"
)

urlpatterns = [
    path(
        "solutions/<int:pk>/opportunities/",
        views.SolutionOpportunitiesView.as_view(),
        name="solution-opportunities",
    ),
    path("leads/import/", views.LeadImportView.as_view(), name="lead-import"),
    path(
        "leads/import/template.csv",
        views.LeadImportTemplateView.as_view(),
        name="lead-import-template",
    ),
    path(
        "matches/<int:pk>/registrations/",
        views.MatchRegistrationsView.as_view(),
        name="match-registrations",
    ),
    path("registrations/<int:pk>/", views.RegistrationView.as_view(), name="registration"),
    path(
        "registrations/<int:pk>/transition/",
        views.RegistrationTransitionView.as_view(),
        name="registration-transition",
    ),
    path(
        "registrations/<int:pk>/dossier.<str:fmt>",
        views.RegistrationDossierView.as_view(),
        name="registration-dossier",
    ),
    path("matches/<int:pk>/status/", views.MatchStatusView.as_view(), name="match-status"),
    *router.urls,
]
