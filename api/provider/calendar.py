"""The lesson calendar, the pupils and the earnings in the provider's API door, the twins of the
workplace pages: a group's lessons over a range of dates, one lesson cancelled or moved (billing.lessons:
the contracts re-reserve through the enrollment service, the parents are told), a group's roster with
each contract's status and co-payment, and the organisation's earnings per month (its manager only).
Another provider's group, and for a teacher a group not theirs, is a 404."""

from __future__ import annotations

from datetime import date, timedelta

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.enrollments import ACTION_ERRORS, NeverCachedMixin
from api.errors import ErrorSerializer
from api.fields import AmountField
from api.permissions import IsProviderManager, IsProviderStaff
from billing.earnings import provider_earnings
from billing.lessons import group_lessons_between, lesson_cancel, lesson_move, staff_group
from core.idempotency import idempotent_api
from enrollments.models import EnrollmentStatus
from enrollments.selectors import group_roster, pending_terms_of

DEFAULT_DAYS = 31

# --- Lessons -----------------------------------------------------------------------------------------------


class LessonSerializer(serializers.Serializer):
    date = serializers.DateField()
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")
    room = serializers.CharField()
    cancelled = serializers.BooleanField(help_text="Занятие отменено организацией (не оплачивается).")
    cancel_reason = serializers.CharField(help_text="Причина отмены или «перенесено на …».")
    extra = serializers.BooleanField(help_text="Занятие вне недельного расписания (перенесённое сюда).")
    moved_from = serializers.DateField(allow_null=True, help_text="С какой даты перенесено это занятие.")
    moved_to = serializers.DateField(allow_null=True, help_text="На какую дату перенесено отменённое занятие.")


class LessonsSerializer(serializers.Serializer):
    group = serializers.IntegerField()
    date_from = serializers.DateField(source="start")
    date_to = serializers.DateField(source="end")
    lessons = LessonSerializer(many=True)


class RangeQuerySerializer(serializers.Serializer):
    # "from" is a keyword: the field is named in the query, read below by its name.
    date_from = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
    date_to = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=250, help_text="Причина; её увидят родители.")


class MoveInputSerializer(serializers.Serializer):
    new_date = serializers.DateField(help_text="Новая дата (та же — другое время того же дня).")
    start = serializers.TimeField(format="%H:%M", input_formats=["%H:%M"])
    end = serializers.TimeField(format="%H:%M", input_formats=["%H:%M"])
    room = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")


class ChangeSerializer(serializers.Serializer):
    lesson = serializers.IntegerField(source="lesson_id", help_text="Изменённое занятие.")
    new_lesson = serializers.IntegerField(
        source="new_lesson_id", allow_null=True, help_text="Занятие на новой дате (при переносе на другой день)."
    )
    parents_told = serializers.IntegerField(help_text="Договоров, родителям которых отправлено уведомление.")
    reserves_moved = serializers.IntegerField(help_text="Договоров, чей резерв сертификата изменился.")


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Http404 from None


@extend_schema(tags=["calendar"])
class ProviderGroupLessonsView(NeverCachedMixin, APIView):
    permission_classes = [IsProviderStaff]

    @extend_schema(
        summary="Календарь занятий группы",
        description=(
            "Занятия группы за период по недельному расписанию, с отменами и переносами. По умолчанию — "
            f"{DEFAULT_DAYS} дней с сегодняшнего; период — не длиннее года (400 `lesson_change_refused`). "
            "Чужая группа (для педагога — не его) — 404."
        ),
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="Первый день, ГГГГ-ММ-ДД."),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="Последний день, ГГГГ-ММ-ДД."
            ),
        ],
        responses={200: LessonsSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, pk: int):
        query = RangeQuerySerializer(
            data={
                key: request.query_params[name]
                for name, key in (("from", "date_from"), ("to", "date_to"))
                if name in request.query_params
            }
        )
        if not query.is_valid():
            renamed = {"date_from": "from", "date_to": "to"}
            raise serializers.ValidationError({renamed[k]: v for k, v in query.errors.items()})
        start = query.validated_data.get("date_from") or timezone.localdate()
        end = query.validated_data.get("date_to") or start + timedelta(days=DEFAULT_DAYS - 1)
        group, lessons = group_lessons_between(staff=request.user, group_id=pk, start=start, end=end)
        return Response(LessonsSerializer({"group": group.pk, "start": start, "end": end, "lessons": lessons}).data)


@extend_schema(tags=["calendar"])
class ProviderLessonCancelView(NeverCachedMixin, APIView):
    permission_classes = [IsProviderStaff]

    @extend_schema(
        summary="Отменить занятие",
        description=(
            "Занятие группы на дату (сегодня или позже) отменяется с причиной: оно не оплачивается, резервы "
            "сертификатов по договорам пересчитываются, родители получают уведомление. Прошедшее занятие "
            "отменяется в журнале посещаемости. Отказы — 400 `lesson_change_refused` с полем; чужая группа "
            "или день без занятия группы — 404. Учитывает заголовок Idempotency-Key."
        ),
        request=CancelInputSerializer,
        responses={200: ChangeSerializer, **ACTION_ERRORS},
    )
    @idempotent_api
    def post(self, request, pk: int, day: str):
        when = _day(day)
        data = CancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = lesson_cancel(staff=request.user, group_id=pk, date=when, reason=data.validated_data["reason"])
        return Response(ChangeSerializer(change).data)


@extend_schema(tags=["calendar"])
class ProviderLessonMoveView(NeverCachedMixin, APIView):
    permission_classes = [IsProviderStaff]

    @extend_schema(
        summary="Перенести занятие",
        description=(
            "Занятие группы на дату (сегодня или позже) переносится на новую дату и время в сроках группы, "
            "на день без занятия группы, или на другое время того же дня. Резервы пересчитываются, родители "
            "получают уведомление. Отказы — 400 `lesson_change_refused` с полем; чужая группа — 404. "
            "Учитывает заголовок Idempotency-Key."
        ),
        request=MoveInputSerializer,
        responses={200: ChangeSerializer, **ACTION_ERRORS},
    )
    @idempotent_api
    def post(self, request, pk: int, day: str):
        when = _day(day)
        data = MoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = lesson_move(staff=request.user, group_id=pk, date=when, **data.validated_data)
        return Response(ChangeSerializer(change).data)


# --- Pupils ------------------------------------------------------------------------------------------------


class PupilSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField(source="pk", help_text="Договор (зачисление).")
    child = serializers.CharField(source="child.full_name", help_text="Ф. И. О. ученика.")
    status = serializers.ChoiceField(choices=EnrollmentStatus.choices)
    status_name = serializers.CharField(source="get_status_display")
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    certificate = serializers.CharField(source="certificate.number", allow_null=True, default=None)
    lesson_price = AmountField(help_text="Цена занятия по договору.")
    certificate_per_lesson = AmountField(help_text="Сколько за занятие платит сертификат.")
    copayment_per_lesson = AmountField(help_text="Доплата родителей за занятие.")
    copayment_total = AmountField(source="copayment_shown", help_text="Доплата до конца периода.")
    new_terms_pending = serializers.SerializerMethodField(help_text="Новые условия ждут решения родителей.")

    def get_new_terms_pending(self, enrollment) -> bool:
        return pending_terms_of(enrollment) is not None


@extend_schema(tags=["pupils"])
class ProviderGroupPupilsView(NeverCachedMixin, APIView):
    permission_classes = [IsProviderStaff]

    @extend_schema(
        summary="Ученики группы",
        description=(
            "Список группы: действующие договоры, затем оферты, затем завершённые; со статусом договора, "
            "ценой занятия, долей сертификата и доплатой родителей. Чужая группа (для педагога — не его) — 404."
        ),
        responses={200: PupilSerializer(many=True), 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, pk: int):
        group = staff_group(staff=request.user, group_id=pk)
        return Response(PupilSerializer(group_roster(group_id=group.pk), many=True).data)


# --- Earnings ----------------------------------------------------------------------------------------------


class StatementBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    municipality = serializers.CharField(source="municipality.name", help_text="Муниципалитет-плательщик.")
    status = serializers.CharField(help_text="DRAFT, ISSUED или PAID.")
    status_name = serializers.CharField(source="get_status_display")
    total_lessons = serializers.IntegerField()
    total_certificate = AmountField()
    total_copayment = AmountField()


class EarningsMonthSerializer(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m", help_text="Месяц, ГГГГ-ММ.")
    lessons_held = serializers.IntegerField(help_text="Проведённых занятий (хотя бы один ученик присутствовал).")
    lessons_paid = serializers.IntegerField(help_text="Оплаченных ученико-занятий.")
    certificate = AmountField(help_text="Оплачено сертификатами, за вычетом возвратов.")
    copayment = AmountField(help_text="Доплаты родителей к получению.")
    total = AmountField()
    open_disputes = serializers.IntegerField(help_text="Открытых жалоб родителей на отметки месяца.")
    statements = StatementBriefSerializer(many=True, help_text="Акты месяца.")


@extend_schema(tags=["earnings"])
class ProviderEarningsView(NeverCachedMixin, APIView):
    permission_classes = [IsProviderManager]

    @extend_schema(
        summary="Заработок по месяцам",
        description=(
            "По месяцам, новые первыми: проведённые занятия, оплата сертификатами, доплаты родителей, "
            "открытые жалобы и акты. Только руководитель организации (педагогу — 403)."
        ),
        responses={200: EarningsMonthSerializer(many=True), 403: ErrorSerializer},
    )
    def get(self, request):
        return Response(
            EarningsMonthSerializer(provider_earnings(provider_id=request.user.provider_id), many=True).data
        )
