"""Run the debit job now, synchronously, and print what it charged."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from billing.debits import BATCH_SIZE, run_debits


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Дата должна быть в виде ГГГГ-ММ-ДД, получено: {value!r}") from None


class Command(BaseCommand):
    help = (
        "Проводит списания за посещённые занятия (и за прошедшие месяцы при помесячной оплате) на дату "
        "(по умолчанию — сегодня) и печатает, что списано. Повторный запуск ничего не списывает дважды."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Дата, по которую включительно проводить списания (ГГГГ-ММ-ДД).")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="Отметок в одной транзакции.")

    def handle(self, *args, date=None, batch_size=BATCH_SIZE, **options):
        day = _date(date) if date else None
        if batch_size <= 0:
            raise CommandError("--batch-size должен быть больше нуля.")
        run = run_debits(day=day, batch_size=batch_size)
        details = run.details
        seconds = (run.finished_at - run.started_at).total_seconds()
        self.stdout.write(f"Списания на {run.for_date:%d.%m.%Y} (запуск {run.key}), {seconds:.1f} с:")
        self.stdout.write(f"  отметок и месяцев обработано: {run.processed}")
        by_kind = details.get("charges_by_kind", {})
        self.stdout.write(
            f"  списаний: {run.charged} (за занятия: {by_kind.get('LESSON', 0)}, за месяцы: {by_kind.get('MONTH', 0)}; "
            f"занятий: {details.get('lessons_charged', 0)})"
        )
        self.stdout.write(f"  за счёт сертификатов: {run.certificate_total} ₽")
        self.stdout.write(f"  доплаты родителей: {run.copayment_total} ₽")
        self.stdout.write(
            f"  сторно: {run.reversed} (возвращено на сертификаты {details.get('refunded_total', '0.00')} ₽, "
            f"родителям {details.get('copayment_refunded_total', '0.00')} ₽)"
        )
        self.stdout.write(self.style.SUCCESS("Готово."))
