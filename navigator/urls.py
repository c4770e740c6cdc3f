"""Parent-facing pages: the catalog, program and provider pages, favourites, the personal account."""

from django.urls import path, re_path

from navigator.views import cabinet, catalog, enroll, ratings

# A certificate number is ten digits; anything else is simply not found.
CERTIFICATE = r"(?P<number>[0-9]{10})"

urlpatterns = [
    path("catalog/", catalog.catalog, name="catalog"),
    path("catalog/child/", catalog.catalog_child, name="catalog-child"),
    path("catalog/suggest/", catalog.suggest, name="catalog-suggest"),
    path("catalog/programs/<int:pk>/", catalog.program_detail, name="program"),
    path("catalog/programs/<int:pk>/favourite/", catalog.favourite, name="favourite"),
    path("catalog/groups/<int:pk>/apply/", enroll.group_apply, name="group-apply"),
    path("catalog/providers/<int:pk>/", catalog.provider_detail, name="provider"),
    path("favourites/", catalog.favourites, name="favourites"),
    # The parent's personal account
    path("cabinet/", cabinet.overview, name="cabinet"),
    path("cabinet/children/", cabinet.children, name="cabinet-children"),
    path("cabinet/children/add/", cabinet.child_add_view, name="cabinet-child-add"),
    path("cabinet/children/<int:pk>/", cabinet.child_detail, name="cabinet-child"),
    path("cabinet/children/<int:pk>/certificate/", cabinet.certificate_request, name="cabinet-certificate-request"),
    path("cabinet/certificates/", cabinet.certificates, name="cabinet-certificates"),
    re_path(rf"^cabinet/certificates/{CERTIFICATE}/$", cabinet.certificate_detail, name="cabinet-certificate"),
    re_path(
        rf"^cabinet/certificates/{CERTIFICATE}/statement/$",
        cabinet.statement,
        name="cabinet-statement",
    ),
    re_path(
        rf"^cabinet/certificates/{CERTIFICATE}/statement/dispute/(?P<charge_id>[0-9]{{1,18}})/$",
        cabinet.dispute_view,
        name="cabinet-dispute",
    ),
    path("cabinet/enrollments/", cabinet.enrollments, name="cabinet-enrollments"),
    path("cabinet/enrollments/<int:pk>/", cabinet.enrollment_detail, name="cabinet-enrollment"),
    path("cabinet/enrollments/<int:pk>/cancel/", cabinet.enrollment_cancel_view, name="cabinet-enrollment-cancel"),
    path("cabinet/enrollments/<int:pk>/rate/", ratings.enrollment_rate_view, name="cabinet-enrollment-rate"),
    path("cabinet/enrollments/<int:pk>/accept/", enroll.enrollment_accept_view, name="cabinet-enrollment-accept"),
    path("cabinet/enrollments/<int:pk>/decline/", enroll.enrollment_decline_view, name="cabinet-enrollment-decline"),
    path(
        "cabinet/enrollments/<int:pk>/terminate/", enroll.enrollment_terminate_view, name="cabinet-enrollment-terminate"
    ),
    path(
        "cabinet/enrollments/<int:pk>/terms/accept/",
        enroll.enrollment_terms_accept_view,
        name="cabinet-enrollment-terms-accept",
    ),
    path(
        "cabinet/enrollments/<int:pk>/terms/decline/",
        enroll.enrollment_terms_decline_view,
        name="cabinet-enrollment-terms-decline",
    ),
    path("cabinet/notifications/", cabinet.notifications, name="cabinet-notifications"),
    path("cabinet/notifications/read/", cabinet.notifications_read_all, name="cabinet-notifications-read"),
    path("cabinet/notifications/<int:pk>/read/", cabinet.notification_read, name="cabinet-notification-read"),
    path("cabinet/profile/", cabinet.profile, name="cabinet-profile"),
]
