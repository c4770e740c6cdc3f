"""Continue contracts into the funding periods that have started, now, and print what was done."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from certificates.models import FundingPeriod
from enrollments.rollover import contracts_roll_over, contracts_roll_over_due


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Дата должна быть в виде ГГГГ-ММ-ДД, получено: {value!r}") from None


class Command(BaseCommand):
    help = (
        "Продолжает действующие договоры в начавшемся периоде финансирования: открывает счета сертификатов "
        "в пределах числа сертификатов финансирования, резервирует средства на занятия периода, а где "
        "сертификат не покрывает свою долю — предлагает родителям новую доплату. Повторный запуск ничего "
        "не делает дважды."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", type=int, help="Номер (id) периода; по умолчанию — все идущие сегодня.")
        parser.add_argument("--date", help="Дата, на которую проводить (ГГГГ-ММ-ДД; по умолчанию — сегодня).")

    def handle(self, *args, period=None, date=None, **options):
        today = _date(date) if date else None
        if period is None:
            totals = contracts_roll_over_due(today=today)
        else:
            if not FundingPeriod.objects.filter(pk=period).exists():
                raise CommandError(f"Периода финансирования с id {period} нет.")
            totals = contracts_roll_over(period_id=period, today=today)
        self.stdout.write(f"  продолжено договоров: {totals.rolled}")
        self.stdout.write(f"  продолжено с нехваткой средств (новая доплата предложена): {totals.short}")
        self.stdout.write(f"  нет мест финансирования (очередь, новая доплата предложена): {totals.queued}")
        self.stdout.write(f"  сертификат не может оплачивать (новая доплата предложена): {totals.uncovered}")
        self.stdout.write(f"  без изменений: {totals.unchanged}")
        self.stdout.write(f"  заняты другим процессом (в следующий раз): {totals.busy}")
        self.stdout.write(self.style.SUCCESS("Готово."))
