"""Parents' billing notices (services: writes): the day's debits, and a balance running short.

Both are periodic (config/beat.py) and idempotent: a BillingNoticeSent row per parent and day (the
debits) or per parent, account and month (the warning) is written in the same transaction as the
notice, under its unique key, so a repeated or concurrent run tells nobody twice. Texts are written
in the parent's language (their e-mail goes out through the outbox with them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F, Sum
from django.template.defaultfilters import floatformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.models import BillingNoticeSent, Charge
from certificates.models import CertificateAccount, ParentLink
from enrollments.models import ContractFunding, Enrollment, EnrollmentStatus
from notices.services import Notice, notices_send

PARENTS_PER_TRANSACTION = 500
ZERO = Decimal("0.00")


def _rub(amount: Decimal) -> str:
    return f"{floatformat(amount, '-2g')}\u00a0₽"


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def _confirmed_parents(child_ids: Iterable[int]) -> dict[int, list[int]]:
    """Confirmed parents of each child (unconfirmed links are told nothing about money)."""
    parents: dict[int, list[int]] = defaultdict(list)
    for child_id, user_id in (
        ParentLink.objects.filter(child_id__in=set(child_ids))
        .exclude(confirmation="")
        .values_list("child_id", "user_id")
    ):
        parents[child_id].append(user_id)
    return parents


def _lock_run(name: str) -> None:
    """Two runs of the same job take turns per batch (they then find the rows the other wrote)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])


# --- The day's debits ------------------------------------------------------------------------------------


def debits_day_key(day: date) -> str:
    return day.isoformat()


def debit_notices_send(*, day: date) -> int:
    """One notice to each confirmed parent listing each debit made on `day` (the debit job's charges
    whose certificate paid something), once per parent and day. Returns how many notices were written."""
    start, end = _day_bounds(day)
    charges = list(
        Charge.objects.filter(created_at__gte=start, created_at__lt=end, certificate_amount__gt=0)
        .select_related("enrollment__child", "enrollment__group__program")
        .order_by("enrollment__child_id", "service_date", "pk")
    )
    if not charges:
        return 0
    parents = _confirmed_parents(c.enrollment.child_id for c in charges)
    by_parent: dict[int, list[Charge]] = defaultdict(list)
    for charge in charges:
        for user_id in parents.get(charge.enrollment.child_id, ()):
            by_parent[user_id].append(charge)
    key = debits_day_key(day)
    written = 0
    user_ids = sorted(by_parent)
    for offset in range(0, len(user_ids), PARENTS_PER_TRANSACTION):
        batch = user_ids[offset : offset + PARENTS_PER_TRANSACTION]
        with transaction.atomic():
            _lock_run(f"billing.debit_notices:{key}")
            told = set(
                BillingNoticeSent.objects.filter(
                    kind=BillingNoticeSent.Kind.DEBITS, key=key, user_id__in=batch
                ).values_list("user_id", flat=True)
            )
            users = get_user_model().objects.filter(pk__in=[u for u in batch if u not in told]).only("pk", "language")
            notices = [_debits_notice(user, by_parent[user.pk], day) for user in users]
            BillingNoticeSent.objects.bulk_create(
                BillingNoticeSent(user_id=n.user_id, kind=BillingNoticeSent.Kind.DEBITS, key=key) for n in notices
            )
            notices_send(notices)
            written += len(notices)
    return written


def _service(charge: Charge) -> str:
    if charge.kind == Charge.Kind.MONTH:
        return _("за %(month)s (занятий: %(n)s)") % {
            "month": charge.service_date.strftime("%m.%Y"),
            "n": charge.lessons,
        }
    return _("занятие %(date)s") % {"date": charge.service_date.strftime("%d.%m.%Y")}


def _debits_notice(user, charges: list[Charge], day: date) -> Notice:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        total = sum((c.certificate_amount for c in charges), ZERO)
        title = _("Списания с сертификата за %(date)s: %(amount)s") % {
            "date": day.strftime("%d.%m.%Y"),
            "amount": _rub(total),
        }
        lines = [
            _("%(child)s, «%(program)s», %(service)s: %(amount)s")
            % {
                "child": c.enrollment.child.first_name,
                "program": c.enrollment.group.program.title,
                "service": _service(c),
                "amount": _rub(c.certificate_amount),
            }
            + (_(" (доплата %(copayment)s)") % {"copayment": _rub(c.copayment)} if c.copayment else "")
            for c in charges
        ]
        lines.append(_("Если занятия не было, оспорьте списание в выписке по сертификату."))
    return Notice(user_id=user.pk, title=title, body="\n".join(lines), subject=f"debits:{day.isoformat()}")


# --- A balance running short ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Shortfall:
    account_id: int
    certificate_id: int
    child_id: int
    month: date
    needed: Decimal  # the certificate's share of next month's lessons of the contracts on this account
    funds: Decimal  # what the account can still pay them: available + the contracts' reserves


def _next_month(today: date) -> date:
    return (today.replace(day=28) + timedelta(days=4)).replace(day=1)


def balance_shortfalls(*, today: date | None = None) -> list[Shortfall]:
    """Accounts whose money for the funded contracts (the available balance plus those contracts'
    reserves, which pay first) is below the certificate's share of next month's lessons of those
    contracts (the contract's per-lesson share × its lessons a month). Set-based: two queries."""
    today = today or timezone.localdate()
    month = _next_month(today)
    contracts = (
        Enrollment.objects.filter(
            status=EnrollmentStatus.ACTIVE,
            funding=ContractFunding.FUNDED,
            certificate__isnull=False,
            period__start_date__lte=month,
            period__end_date__gte=month,
        )
        .exclude(ends_on__lt=month)
        .values("certificate_id", "period_id")
        .annotate(needed=Sum(F("certificate_per_lesson") * F("lessons_per_month")), reserved=Sum("reserve_remaining"))
        .filter(needed__gt=0)
    )
    needs = {(row["certificate_id"], row["period_id"]): row for row in contracts}
    if not needs:
        return []
    accounts = CertificateAccount.objects.filter(
        certificate_id__in={c for c, _p in needs}, period_id__in={p for _c, p in needs}
    ).values_list("pk", "certificate_id", "period_id", "nominal", "reserved", "spent", "certificate__child_id")
    shortfalls = []
    for pk, certificate_id, period_id, nominal, reserved, spent, child_id in accounts:
        row = needs.get((certificate_id, period_id))
        if row is None:
            continue
        funds = nominal - reserved - spent + row["reserved"]
        if funds < row["needed"]:
            shortfalls.append(Shortfall(pk, certificate_id, child_id, month, row["needed"], funds))
    return shortfalls


def low_balance_key(account_id: int, month: date) -> str:
    return f"{account_id}:{month:%Y-%m}"


def low_balance_warnings_send(*, today: date | None = None) -> int:
    """Warn each confirmed parent of a child whose certificate will not cover its share of next month's
    lessons, once per account and month. Returns how many notices were written."""
    shortfalls = balance_shortfalls(today=today)
    parents = _confirmed_parents(s.child_id for s in shortfalls)
    written = 0
    for offset in range(0, len(shortfalls), PARENTS_PER_TRANSACTION):
        batch = shortfalls[offset : offset + PARENTS_PER_TRANSACTION]
        with transaction.atomic():
            _lock_run("billing.low_balance")
            wanted = {
                (user_id, low_balance_key(s.account_id, s.month)): s
                for s in batch
                for user_id in parents.get(s.child_id, ())
            }
            told = set(
                BillingNoticeSent.objects.filter(
                    kind=BillingNoticeSent.Kind.LOW_BALANCE,
                    key__in={key for _u, key in wanted},
                    user_id__in={user_id for user_id, _k in wanted},
                ).values_list("user_id", "key")
            )
            todo = {k: s for k, s in wanted.items() if k not in told}
            users = {
                u.pk: u for u in get_user_model().objects.filter(pk__in={u for u, _k in todo}).only("pk", "language")
            }
            certificates = {
                a.pk: a
                for a in CertificateAccount.objects.filter(pk__in={s.account_id for s in todo.values()}).select_related(
                    "certificate__child"
                )
            }
            notices = [
                _low_balance_notice(users[user_id], certificates[s.account_id], s) for (user_id, _k), s in todo.items()
            ]
            BillingNoticeSent.objects.bulk_create(
                BillingNoticeSent(user_id=user_id, kind=BillingNoticeSent.Kind.LOW_BALANCE, key=key)
                for user_id, key in todo
            )
            notices_send(notices)
            written += len(notices)
    return written


def _low_balance_notice(user, account: CertificateAccount, shortfall: Shortfall) -> Notice:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        certificate = account.certificate
        title = _("На сертификате № %(number)s не хватит средств на следующий месяц") % {"number": certificate.number}
        body = _(
            "%(child)s: за занятия в %(month)s сертификат должен оплатить %(needed)s, а на нём с резервами "
            "договоров осталось %(funds)s. Недостающее придётся доплатить."
        ) % {
            "child": certificate.child.full_name,
            "month": shortfall.month.strftime("%m.%Y"),
            "needed": _rub(shortfall.needed),
            "funds": _rub(shortfall.funds),
        }
    return Notice(user_id=user.pk, title=title, body=body, subject=f"certificate:{certificate.number}")
