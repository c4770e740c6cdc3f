import os

from celery import Celery, signals

# Production unless told otherwise: a server started without DJANGO_SETTINGS_MODULE must not run the
# development settings (embedded servers, the Gosuslugi stand-in). `./run` sets the development ones.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("navigator")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# The audit trail names the job that wrote a row (core/audit.py): a task's writes carry its name.
_job_contexts = {}


@signals.task_prerun.connect
def _audit_job_start(task_id=None, task=None, **kwargs):
    import pghistory

    context = pghistory.context(job=task.name)
    context.__enter__()
    _job_contexts[task_id] = context


@signals.task_postrun.connect
def _audit_job_end(task_id=None, **kwargs):
    context = _job_contexts.pop(task_id, None)
    if context is not None:
        context.__exit__(None, None, None)
