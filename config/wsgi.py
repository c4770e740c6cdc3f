import os

from django.core.wsgi import get_wsgi_application

# Production unless told otherwise: a server started without DJANGO_SETTINGS_MODULE must not run the
# development settings (embedded servers, the Gosuslugi stand-in). `./run` sets the development ones.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()
