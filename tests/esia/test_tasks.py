import pytest
from django_celery_beat.models import PeriodicTask


@pytest.mark.django_db
def test_clearing_abandoned_sign_ins_is_scheduled_nightly():
    task = PeriodicTask.objects.get(task="esia.clear_abandoned_sign_ins")

    assert task.enabled and task.crontab is not None
