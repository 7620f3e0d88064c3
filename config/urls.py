from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz
from jobs import views as job_views
from search import views as search_views

# Swagger UI's page keeps a three-rule inline <style>: allowed by its hash, nothing else inline
# (the split view serves its script as a file, as the Content Security Policy requires).
SWAGGER_STYLE_HASH = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"
api_docs = csp_update({"style-src": SWAGGER_STYLE_HASH})(
    SpectacularSwaggerSplitView.as_view(url_name="schema")
)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("search/", search_views.search_page, name="search"),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("workspace/", include("matching.urls")),
    path("jobs/<int:job_id>/", job_views.job_detail, name="job"),
    path("jobs/<int:job_id>/retry/", job_views.job_retry, name="job-retry-web"),
    path("", include("catalogue.urls")),
]

if settings.DEBUG:
    # Job input files under media/jobs/ are private, even in development.
    urlpatterns += [
        re_path(r"^media/(?P<path>(?!jobs/).*)$", serve, {"document_root": settings.MEDIA_ROOT})
    ]
