"""Mounted at /dev/mail/ when the devmail app is installed (development settings only)."""

from django.urls import path

from devmail import views

app_name = "devmail"

urlpatterns = [
    path("", views.mail_index, name="index"),
    path("<str:name>/", views.mail_detail, name="detail"),
]
