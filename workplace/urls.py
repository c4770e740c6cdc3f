from django.urls import path

from workplace import calendar, earnings, groups, organisation, programs, pupils, ratings, staff, views

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
    # The organisation: sign-up and profile; staff, programs and groups (issue 12)
    path("signup/", organisation.signup, name="signup"),
    path("organisation/", organisation.organisation, name="organisation"),
    path("staff/", staff.staff_list, name="staff"),
    path("staff/add/", staff.staff_add, name="staff-add"),
    path("staff/<int:pk>/role/", staff.staff_role, name="staff-role"),
    path("staff/<int:pk>/active/", staff.staff_active, name="staff-active"),
    path("programs/", programs.program_list, name="programs"),
    path("programs/new/", programs.program_new, name="program-new"),
    path("programs/<int:pk>/", programs.program_edit, name="program-edit"),
    path("programs/<int:pk>/submit/", programs.program_submit_view, name="program-submit"),
    path("groups/", groups.group_list, name="groups"),
    path("groups/new/", groups.group_new, name="group-new"),
    path("groups/<int:pk>/", groups.group_edit, name="group-edit"),
    # Lesson calendar, pupils, earnings (issue 12)
    path("groups/<int:pk>/lessons/", calendar.lessons, name="lessons"),
    path("groups/<int:pk>/lessons/<str:day>/cancel/", calendar.lesson_cancel_view, name="lesson-cancel"),
    path("groups/<int:pk>/lessons/<str:day>/move/", calendar.lesson_move_view, name="lesson-move"),
    path("groups/<int:pk>/pupils/", pupils.pupils, name="pupils"),
    path("groups/<int:pk>/pupils.xlsx", pupils.pupils_xlsx, name="pupils-xlsx"),
    path("earnings/", earnings.earnings, name="earnings"),
    # Parents' ratings and the organisation's answers (issue 14)
    path("ratings/", ratings.ratings, name="ratings"),
    path("ratings/<int:pk>/answer/", ratings.rating_answer_view, name="rating-answer"),
]
