"""Every periodic job of the portal, declared here and only here (settings: CELERY_BEAT_SCHEDULE).

New periodic jobs are added to this dict, never by a data migration: at start, beat's
DatabaseScheduler (django-celery-beat) writes each entry into its PeriodicTask table by name
(`setup_schedule` → `update_from_dict` → `PeriodicTask.update_or_create(name=...)`). The names below
are those the earlier data migrations created (core 0002, catalog 0004/0007/0008, esia 0001), so beat
updates those rows in place instead of adding a second copy that would run each job twice. Renaming an
entry therefore leaves the old row behind: delete it (admin or a migration) in the same change.

Crontabs are in CELERY_TIMEZONE (Europe/Moscow), as the migrations' CrontabSchedule rows are, so
beat reuses those rows. tests/test_beat_schedule.py checks the two agree.
"""

from __future__ import annotations

from datetime import timedelta

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict] = {
    # healthz reports the beat as stale when this tick is older than HEALTHZ_BEAT_MAX_AGE_SECONDS.
    "Пульс планировщика (healthz)": {
        "task": "core.beat_heartbeat",
        "schedule": timedelta(seconds=60),
    },
    # Tasks asked for while the broker was down wait in the outbox (core/outbox.py) until this sends them.
    "Очередь заданий: отправить ожидающие (outbox)": {
        "task": "core.outbox_sweep",
        "schedule": timedelta(seconds=10),
    },
    "Заявки: истёкшие сроки рассмотрения и оферт": {
        "task": "enrollments.expire_due",
        "schedule": timedelta(minutes=5),
    },
    # Just after midnight: a termination takes effect after its last day, and its seat goes to the queue.
    "Договоры: расторжения вступают в силу": {
        "task": "enrollments.terminations_take_effect",
        "schedule": crontab(minute="15", hour="0"),
    },
    "Повторяемые запросы: забыть ответы старше суток": {
        "task": "core.idempotency_prune",
        "schedule": timedelta(hours=1),
    },
    # The notices' own rows say which e-mails did not go out: a task lost with a killed worker is redone.
    "Уведомления: отправить неотправленные письма": {
        "task": "notices.emails_sweep",
        "schedule": timedelta(minutes=1),
    },
    "Договоры: вернуть резервы закончившихся периодов": {
        "task": "enrollments.reserves_release_after_period_end",
        "schedule": crontab(minute="20", hour="0"),
    },
    # After the old periods' reserves are released and before the debit job: contracts running into a
    # period that has started continue there (accounts, reserves), so its first lessons are paid from it.
    "Договоры: продолжить в новом периоде финансирования": {
        "task": "enrollments.contracts_roll_over",
        "schedule": crontab(minute="40", hour="0"),
    },
    # Nightly, after the day's lessons are marked: due marks and ended months become charges (the job
    # is safe to repeat; «Провести списания сейчас» in the admin runs it at once).
    "Списания: посещённые занятия и прошедшие месяцы": {
        "task": "billing.run_debits",
        "schedule": crontab(minute="30", hour="1"),
    },
    "Словарь поиска: новые слова каталога": {
        "task": "catalog.search_vocabulary_refresh",
        "schedule": crontab(minute="30", hour="3"),
    },
    # Just after midnight: groups that ended yesterday stop counting as open today.
    "Каталог: открытые группы программ (даты начала, расписание)": {
        "task": "catalog.program_open_groups_refresh",
        "schedule": crontab(minute="5", hour="0"),
    },
    # Just after midnight and after terminations take effect (00:15): groups that ended yesterday and
    # seats freed today count for «only groups with free seats».
    "Каталог: группы со свободными местами": {
        "task": "search.group_free_seats_refresh",
        "schedule": crontab(minute="20", hour="0"),
    },
    # After the night's refreshes of the programs' groups and free seats (their changes reach the index
    # through the outbox anyway): the catalog's search index rebuilt whole and compacted.
    "Каталог: поисковый индекс (пересборка)": {
        "task": "search.index_rebuild",
        "schedule": crontab(minute="40", hour="0"),
    },
    # After the night's debit run: a failed reconciliation shows as an alert in the admin.
    "Сверка: счета, резервы, списания и акты": {
        "task": "billing.reconcile",
        "schedule": crontab(minute="30", hour="4"),
    },
    "Госуслуги: удалить данные незавершённых входов": {
        "task": "esia.clear_abandoned_sign_ins",
        "schedule": crontab(minute="10", hour="4"),
    },
    # After the nightly debit job: what is outside every statement goes to its provider's statement.
    "Акты: разнести списания и сторно по актам": {
        "task": "billing.statements_build_due",
        "schedule": crontab(minute="30", hour="4"),
    },
    # In the morning, about the whole of yesterday (the nightly debits included): one notice per parent.
    "Списания: уведомить родителей о вчерашних списаниях": {
        "task": "billing.debit_notices",
        "schedule": crontab(minute="0", hour="8"),
    },
    "Сертификаты: предупредить, если не хватит средств на следующий месяц": {
        "task": "billing.low_balance_warnings",
        "schedule": crontab(minute="15", hour="8"),
    },
}
