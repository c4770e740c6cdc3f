"""Model names in the cases the admin's titles need.

Django's Russian admin puts verbose_name (nominative) into «Выберите %s для изменения», which reads
«Выберите группа»; the titles of the portal's admin (municipal/admin/base.py) use the accusative
(«Выберите группу», «Изменить группу») and the genitive («Просмотр группы») from here. A model missing
here falls back to its verbose_name; tests/municipal/test_admin_russian.py keeps every registered
model of the portal listed.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# label: (accusative, genitive)
NAMES = {
    "auth.Group": (_("группу"), _("группы")),
    "accounts.User": (_("пользователя"), _("пользователя")),
    "billing.Lesson": (_("занятие"), _("занятия")),
    "billing.AttendanceMark": (_("отметку посещаемости"), _("отметки посещаемости")),
    "billing.AttendanceCorrection": (_("исправление отметки"), _("исправления отметки")),
    "billing.Charge": (_("списание"), _("списания")),
    "billing.ChargeReversal": (_("сторно"), _("сторно")),
    "billing.MonthRecheck": (_("месяц к пересчёту"), _("месяца к пересчёту")),
    "billing.JobRun": (_("запуск задания"), _("запуска задания")),
    "billing.Statement": (_("ежемесячный акт"), _("ежемесячного акта")),
    "billing.Dispute": (_("жалобу на списание"), _("жалобы на списание")),
    "billing.StatementLine": (_("строку акта"), _("строки акта")),
    "billing.BillingNoticeSent": (_("отправленное уведомление о деньгах"), _("отправленного уведомления о деньгах")),
    "catalog.Municipality": (_("муниципалитет"), _("муниципалитета")),
    "catalog.Direction": (_("направленность"), _("направленности")),
    "catalog.Provider": (_("организацию"), _("организации")),
    "catalog.Program": (_("программу"), _("программы")),
    "catalog.Group": (_("группу"), _("группы")),
    "catalog.ScheduleSlot": (_("занятие в расписании"), _("занятия в расписании")),
    "catalog.SearchWord": (_("слово поиска"), _("слова поиска")),
    "catalog.SearchSynonym": (_("группу синонимов поиска"), _("группы синонимов поиска")),
    "catalog.FacetCell": (_("ячейку счётчиков каталога"), _("ячейки счётчиков каталога")),
    "catalog.Favourite": (_("избранное"), _("избранного")),
    "search.GroupFreeSeats": (_("группу со свободными местами"), _("группы со свободными местами")),
    "search.CatalogIndexFeed": (_("обновление поискового индекса"), _("обновления поискового индекса")),
    "certificates.Child": (_("ребёнка"), _("ребёнка")),
    "certificates.FundingPeriod": (_("период финансирования"), _("периода финансирования")),
    "certificates.Certificate": (_("сертификат"), _("сертификата")),
    "certificates.CertificateAccount": (_("счёт сертификата"), _("счёта сертификата")),
    "certificates.LedgerEntry": (_("операцию по сертификату"), _("операции по сертификату")),
    "certificates.FundedCertificateRequest": (
        _("место в очереди на сертификат финансирования"),
        _("места в очереди на сертификат финансирования"),
    ),
    "certificates.ParentLink": (_("связь родителя с ребёнком"), _("связи родителя с ребёнком")),
    "certificates.DirectionCount": (_("счётчик детей по направленности"), _("счётчика детей по направленности")),
    "certificates.DirectionChild": (_("ребёнка в счёте направленности"), _("ребёнка в счёте направленности")),
    "core.Heartbeat": (_("отметку активности"), _("отметки активности")),
    "core.OutboxMessage": (_("сообщение для очереди заданий"), _("сообщения для очереди заданий")),
    "core.IdempotencyRecord": (_("ответ на повторяемый запрос"), _("ответа на повторяемый запрос")),
    "enrollments.Enrollment": (_("зачисление"), _("зачисления")),
    "enrollments.EnrollmentEvent": (_("событие зачисления"), _("события зачисления")),
    "enrollments.ReserveEntry": (_("резерв по договору"), _("резерва по договору")),
    "enrollments.TermsChange": (_("изменение условий договора"), _("изменения условий договора")),
    "enrollments.ProgramRating": (_("оценку программы"), _("оценки программы")),
    "notices.Notification": (_("уведомление"), _("уведомления")),
    "certificates.ChildClaim": (_("заявку на добавление ребёнка"), _("заявки на добавление ребёнка")),
    # The audit trail (core/audit.py): one event of an object's history.
    "billing.StatementHistory": (_("событие истории акта"), _("события истории акта")),
    "catalog.ProviderHistory": (_("событие истории организации"), _("события истории организации")),
    "catalog.ProgramHistory": (_("событие истории программы"), _("события истории программы")),
    "catalog.GroupHistory": (_("событие истории группы"), _("события истории группы")),
    "certificates.CertificateHistory": (_("событие истории сертификата"), _("события истории сертификата")),
    "certificates.CertificateAccountHistory": (
        _("событие истории счёта сертификата"),
        _("события истории счёта сертификата"),
    ),
    "certificates.FundingPeriodHistory": (
        _("событие истории периода финансирования"),
        _("события истории периода финансирования"),
    ),
    "certificates.ParentLinkHistory": (
        _("событие истории связи родителя с ребёнком"),
        _("события истории связи родителя с ребёнком"),
    ),
    "enrollments.EnrollmentHistory": (_("событие истории зачисления"), _("события истории зачисления")),
    "enrollments.ProgramRatingHistory": (_("событие истории оценки"), _("события истории оценки")),
}


def name_accusative(model) -> str:
    names = NAMES.get(model._meta.label)
    return str(names[0]) if names else str(model._meta.verbose_name)


def name_genitive(model) -> str:
    names = NAMES.get(model._meta.label)
    return str(names[1]) if names else str(model._meta.verbose_name)
