"""Routes of the catalogue API under /api/v1/."""

from importlib.util import find_spec

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("solutions", views.SolutionViewSet, basename="solution")
router.register("certifications", views.CertificationViewSet, basename="certification")
router.register("pilots", views.PilotViewSet, basename="pilot")
router.register("kpis", views.KpiViewSet, basename="kpi")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("review-queue/", views.ReviewQueueView.as_view(), name="review-queue"),
    *router.urls,
]

# The image upload routes live beside these; they may not exist yet in a fresh checkout.
if find_spec("catalogue.api.images") is not None:
    urlpatterns.append(path("", include("catalogue.api.images")))
