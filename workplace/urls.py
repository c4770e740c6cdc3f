from django.urls import path

from workplace import views

app_name = "workplace"

urlpatterns = [
    path("", views.home, name="home"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:pk>/offer/", views.application_offer, name="application-offer"),
    path("applications/<int:pk>/reject/", views.application_reject, name="application-reject"),
    path("attendance/", views.attendance, name="attendance"),
    path("groups/<int:pk>/attendance/", views.register, name="register"),
]
