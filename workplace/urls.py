from django.urls import path

from workplace import views

app_name = "workplace"

urlpatterns = [
    path("", views.home, name="home"),
]
