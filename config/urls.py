from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import views as account_views
from core import views as core_views
from core.forms import PortalAuthenticationForm
from navigator.views.home import HomeView

# No traceback for anyone: the API's error format or the portal's page, with the request id.
handler500 = "core.views.server_error"

urlpatterns = [
    # The API first: a URL is matched against the patterns in order, and each include it goes through
    # without a match (the parent's pages are included at the root) costs a list of everything tried
    # (7% of an opening-day application's CPU in py-spy when the API came after them).
    path("api/v1/", include("api.urls")),
    path("", HomeView.as_view(), name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("healthz/ready", core_views.ready, name="healthz-ready"),
    path("", include("navigator.urls")),
    path("workplace/", include("workplace.urls")),
    path(
        "accounts/login/", account_views.LoginView.as_view(authentication_form=PortalAuthenticationForm), name="login"
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/logout/everywhere/", account_views.logout_everywhere, name="logout-everywhere"),
    # Exempt from CSRF so that shared, cached pages carry no token; at worst a forged request
    # switches the visitor's interface language.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    # Gosuslugi sign-in. Its own views rather than social_django's generic URLs: the callback must
    # never tie a Gosuslugi profile to whoever is signed in, and failures get a Russian page.
    path("esia/", include("esia.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^media/(?P<path>.*)$", core_views.media, name="media"),
]

if settings.ESIA_STANDIN_ENABLED:
    # Development and tests only: ESIA's endpoints served by the local stand-in.
    urlpatterns.append(path("esia-standin/", include("esia_standin.urls")))

if apps.is_installed("devmail"):
    # Development only (config/settings/dev.py): the mail the local SMTP sink received.
    urlpatterns.append(path("dev/mail/", include("devmail.urls")))

admin.site.site_header = f"Навигатор дополнительного образования — {settings.PORTAL_REGION_NAME}"
admin.site.site_title = "Навигатор"
