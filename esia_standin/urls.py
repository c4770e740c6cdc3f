"""Mounted at /esia-standin/ when ESIA_STANDIN_ENABLED is on; the paths are ESIA's own."""

from django.urls import path

from esia_standin import views

app_name = "esia_standin"

urlpatterns = [
    path("aas/oauth2/v2/ac", views.authorize, name="authorize"),
    path("aas/oauth2/v3/te", views.token, name="token"),
    path("rs/prns/<str:oid>", views.person, name="person"),
    path("rs/prns/<str:oid>/ctts", views.contacts, name="contacts"),
    path("rs/prns/<str:oid>/kids", views.kids, name="kids"),
]
