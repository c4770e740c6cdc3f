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
    path("statements/", views.statements, name="statements"),
    path("statements/<int:pk>/", views.statement_detail, name="statement"),
    path("statements/<int:pk>/issue/", views.statement_issue_view, name="statement-issue"),
    path("statements/<int:pk>/pdf/", views.statement_pdf_view, name="statement-pdf"),
    path("statements/<int:pk>/xlsx/", views.statement_xlsx_view, name="statement-xlsx"),
    path("disputes/", views.disputes, name="disputes"),
    path("disputes/<int:pk>/", views.dispute_resolve_view, name="dispute-resolve"),
]
