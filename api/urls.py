from django.urls import path, re_path

from api import catalog
from api.errors import not_found
from core.cache import cache_anonymous_get

app_name = "api"

urlpatterns = [
    path("programs/", cache_anonymous_get(catalog.ProgramListView.as_view()), name="program-list"),
    path("programs/suggest/", catalog.ProgramSuggestView.as_view(), name="program-suggest"),
    path("programs/<int:pk>/", catalog.ProgramDetailView.as_view(), name="program-detail"),
    # Keep last: any other path under /api/v1/ ending in a slash answers 404 in the API's error format
    # rather than the HTML 404 page (paths without the slash still get CommonMiddleware's redirect).
    re_path(r"^.*/$", not_found),
]
