import os

from celery import Celery

# Production unless told otherwise: a server started without DJANGO_SETTINGS_MODULE must not run the
# development settings (embedded servers, the Gosuslugi stand-in). `./run` sets the development ones.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("navigator")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
