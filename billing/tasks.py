from celery import shared_task

from billing.reconciliation import reconciliation_run


@shared_task(name="billing.reconcile")
def reconcile_task() -> bool:
    """Nightly reconciliation; its run record (and the admin's alert) says whether anything is off."""
    _run, report = reconciliation_run()
    return report.ok
