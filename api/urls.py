"""/api/v1/, by door: public (the catalog), the parent's own data, the provider's own objects."""

from django.urls import path, re_path

from api import enrollments
from api.errors import not_found
from api.parent import account
from api.parent import enrollments as parent_enrollments
from api.provider import attendance, calendar, groups, organisation, programs, ratings, staff
from api.provider import enrollments as provider_enrollments
from api.public import catalog
from core.cache import cache_shared_get

app_name = "api"

urlpatterns = [
    # Public
    path("programs/", cache_shared_get(catalog.ProgramListView.as_view()), name="program-list"),
    path("programs/suggest/", catalog.ProgramSuggestView.as_view(), name="program-suggest"),
    path("programs/<int:pk>/", catalog.ProgramDetailView.as_view(), name="program-detail"),
    path("programs/<int:pk>/ratings/", catalog.ProgramRatingsView.as_view(), name="program-ratings"),
    # The parent's
    path("me/children/", account.MyChildrenView.as_view(), name="me-children"),
    path("me/certificates/", account.MyCertificatesView.as_view(), name="me-certificates"),
    # Ten digits or nothing: any other number falls through to the 404 below.
    re_path(
        r"^certificates/(?P<number>[0-9]{10})/statement/$",
        account.CertificateStatementView.as_view(),
        name="certificate-statement",
    ),
    # Enrollments: the list and detail for parents and provider staff alike, then each door's actions
    path("enrollments/", enrollments.EnrollmentListView.as_view(), name="enrollment-list"),
    path("enrollments/quote/", parent_enrollments.EnrollmentQuoteView.as_view(), name="enrollment-quote"),
    path("enrollments/<int:pk>/", enrollments.EnrollmentDetailView.as_view(), name="enrollment-detail"),
    path("enrollments/<int:pk>/accept/", parent_enrollments.EnrollmentAcceptView.as_view(), name="enrollment-accept"),
    path(
        "enrollments/<int:pk>/decline/", parent_enrollments.EnrollmentDeclineView.as_view(), name="enrollment-decline"
    ),
    path("enrollments/<int:pk>/cancel/", parent_enrollments.EnrollmentCancelView.as_view(), name="enrollment-cancel"),
    path(
        "enrollments/<int:pk>/terminate/",
        parent_enrollments.EnrollmentTerminateView.as_view(),
        name="enrollment-terminate",
    ),
    path(
        "enrollments/<int:pk>/terms/accept/",
        parent_enrollments.EnrollmentTermsAcceptView.as_view(),
        name="enrollment-terms-accept",
    ),
    path(
        "enrollments/<int:pk>/terms/decline/",
        parent_enrollments.EnrollmentTermsDeclineView.as_view(),
        name="enrollment-terms-decline",
    ),
    path("enrollments/<int:pk>/offer/", provider_enrollments.EnrollmentOfferView.as_view(), name="enrollment-offer"),
    path("enrollments/<int:pk>/reject/", provider_enrollments.EnrollmentRejectView.as_view(), name="enrollment-reject"),
    # The provider's
    path("provider/groups/", groups.ProviderGroupListView.as_view(), name="provider-group-list"),
    path("provider/groups/<int:pk>/", groups.ProviderGroupDetailView.as_view(), name="provider-group-detail"),
    path(
        "provider/groups/<int:pk>/attendance/",
        attendance.ProviderGroupAttendanceView.as_view(),
        name="provider-group-attendance",
    ),
    path(
        "provider/groups/<int:pk>/lessons/", calendar.ProviderGroupLessonsView.as_view(), name="provider-group-lessons"
    ),
    re_path(
        r"^provider/groups/(?P<pk>[0-9]+)/lessons/(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})/cancel/$",
        calendar.ProviderLessonCancelView.as_view(),
        name="provider-lesson-cancel",
    ),
    re_path(
        r"^provider/groups/(?P<pk>[0-9]+)/lessons/(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})/move/$",
        calendar.ProviderLessonMoveView.as_view(),
        name="provider-lesson-move",
    ),
    path("provider/groups/<int:pk>/pupils/", calendar.ProviderGroupPupilsView.as_view(), name="provider-group-pupils"),
    path("provider/earnings/", calendar.ProviderEarningsView.as_view(), name="provider-earnings"),
    path("provider/ratings/", ratings.ProviderRatingListView.as_view(), name="provider-rating-list"),
    path(
        "provider/ratings/<int:pk>/answer/", ratings.ProviderRatingAnswerView.as_view(), name="provider-rating-answer"
    ),
    path("provider/programs/", programs.ProviderProgramListView.as_view(), name="provider-program-list"),
    path("provider/programs/<int:pk>/", programs.ProviderProgramDetailView.as_view(), name="provider-program-detail"),
    path(
        "provider/programs/<int:pk>/submit/",
        programs.ProviderProgramSubmitView.as_view(),
        name="provider-program-submit",
    ),
    path("provider/organisation/", organisation.ProviderOrganisationView.as_view(), name="provider-organisation"),
    path("provider/staff/", staff.ProviderStaffListView.as_view(), name="provider-staff-list"),
    path("provider/staff/<int:pk>/", staff.ProviderStaffDetailView.as_view(), name="provider-staff-detail"),
    # Keep last: any other path under /api/v1/ ending in a slash answers 404 in the API's error format
    # rather than the HTML 404 page (paths without the slash still get CommonMiddleware's redirect).
    re_path(r"^.*/$", not_found),
]
