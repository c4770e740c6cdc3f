"""Parent-facing pages: the catalog, program and provider pages, favourites."""

from django.urls import path

from navigator.views import catalog

urlpatterns = [
    path("catalog/", catalog.catalog, name="catalog"),
    path("catalog/suggest/", catalog.suggest, name="catalog-suggest"),
    path("catalog/programs/<int:pk>/", catalog.program_detail, name="program"),
    path("catalog/programs/<int:pk>/favourite/", catalog.favourite, name="favourite"),
    path("catalog/providers/<int:pk>/", catalog.provider_detail, name="provider"),
    path("favourites/", catalog.favourites, name="favourites"),
]
