from django.urls import path

from esia import views

app_name = "esia"

urlpatterns = [
    path("login/", views.start, name="login"),
    path("complete/", views.complete, name="complete"),
    path("municipality/", views.municipality, name="municipality"),
]
