from django.urls import path, re_path

from api import catalog, me
from api.errors import not_found
from core.cache import cache_anonymous_get

app_name = "api"

urlpatterns = [
    path("programs/", cache_anonymous_get(catalog.ProgramListView.as_view()), name="program-list"),
    path("programs/suggest/", catalog.ProgramSuggestView.as_view(), name="program-suggest"),
    path("programs/<int:pk>/", catalog.ProgramDetailView.as_view(), name="program-detail"),
    path("me/children/", me.MyChildrenView.as_view(), name="me-children"),
    path("me/certificates/", me.MyCertificatesView.as_view(), name="me-certificates"),
    # Ten digits or nothing: any other number falls through to the 404 below.
    re_path(
        r"^certificates/(?P<number>[0-9]{10})/statement/$",
        me.CertificateStatementView.as_view(),
        name="certificate-statement",
    ),
    # Keep last: any other path under /api/v1/ ending in a slash answers 404 in the API's error format
    # rather than the HTML 404 page (paths without the slash still get CommonMiddleware's redirect).
    re_path(r"^.*/$", not_found),
]
