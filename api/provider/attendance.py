"""The attendance register in the provider's API door: one lesson of one group, read (GET) and saved in
one request, all or nothing (PUT). The rules live in billing.attendance; these views read the request,
call it, and answer with the register as it now stands. Another provider's group answers 404."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.enrollments import ACTION_ERRORS, NeverCachedMixin
from api.errors import ErrorSerializer
from api.permissions import IsProviderStaff
from billing.attendance import register_for, register_save
from billing.models import AttendanceStatus

_STATUS_HELP = "PRESENT — присутствовал, ABSENT — отсутствовал, EXCUSED — отсутствовал по уважительной причине."


# --- Output ------------------------------------------------------------------------------------------------


class RegisterRowSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField(source="enrollment_id", help_text="Договор ученика (зачисление).")
    child = serializers.CharField(source="child_name", help_text="Ф. И. О. ученика.")
    status = serializers.ChoiceField(
        choices=AttendanceStatus.choices, allow_null=True, help_text=f"{_STATUS_HELP} null — ещё не отмечен."
    )
    status_name = serializers.CharField(source="status_label")
    version = serializers.IntegerField(
        allow_null=True, help_text="Версия отметки: растёт с каждым исправлением; null — не отмечен."
    )
    editable = serializers.BooleanField(help_text="Можно ли ещё менять отметку.")
    note = serializers.CharField(help_text="Почему отметку менять нельзя (пусто, если можно).")


class CorrectionSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField(source="enrollment_id")
    child = serializers.CharField(source="child_name")
    from_status = serializers.ChoiceField(source="old_status", choices=AttendanceStatus.choices, help_text="Было.")
    to_status = serializers.ChoiceField(source="new_status", choices=AttendanceStatus.choices, help_text="Стало.")
    version = serializers.IntegerField(source="new_version", help_text="Версия отметки после исправления.")
    changed_by = serializers.CharField(help_text="Кто исправил.")
    changed_at = serializers.DateTimeField(help_text="Когда.")


class AttendanceSerializer(serializers.Serializer):
    group = serializers.IntegerField(source="group.id")
    date = serializers.DateField(help_text="Дата занятия.")
    lesson_dates = serializers.ListField(
        source="dates", child=serializers.DateField(), help_text="Все даты занятий группы по расписанию до сегодня."
    )
    previous_date = serializers.DateField(allow_null=True, help_text="Предыдущее занятие.")
    next_date = serializers.DateField(allow_null=True, help_text="Следующее прошедшее (или сегодняшнее) занятие.")
    lesson_today = serializers.BooleanField(help_text="Есть ли у группы занятие сегодня.")
    cancelled = serializers.BooleanField(help_text="Занятие отменено организацией (отметки не оплачиваются).")
    reason = serializers.CharField(source="cancel_reason", help_text="Причина отмены.")
    editable = serializers.BooleanField(help_text="false — акт за месяц выставлен, исправлять нельзя.")
    frozen_message = serializers.CharField(help_text="Почему исправлять нельзя (пусто, если можно).")
    pupils = RegisterRowSerializer(source="rows", many=True, help_text="Ученики с договором на эту дату.")
    corrections = CorrectionSerializer(many=True, help_text="Исправления отметок этого занятия, старые первыми.")


# --- Input -------------------------------------------------------------------------------------------------


class DateQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, input_formats=["%Y-%m-%d"], help_text="Дата занятия, ГГГГ-ММ-ДД.")


class MarkInputSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField(min_value=1, help_text="Договор ученика (зачисление).")
    status = serializers.ChoiceField(choices=AttendanceStatus.choices, help_text=_STATUS_HELP)


class AttendanceInputSerializer(serializers.Serializer):
    marks = MarkInputSerializer(
        many=True, required=False, max_length=1000, help_text="Отметки; ученики, которых нет в списке, не меняются."
    )
    cancelled = serializers.BooleanField(required=False, default=False, help_text="Занятие отменено организацией.")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Причина отмены (обязательна при отмене).",
    )


def _date(request, *, required: bool):
    params = DateQuerySerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    day = params.validated_data.get("date")
    if required and day is None:
        raise serializers.ValidationError({"date": [_("Укажите дату занятия: ?date=ГГГГ-ММ-ДД.")]})
    return day


def _date_parameter(*, required: bool) -> OpenApiParameter:
    default = "" if required else " По умолчанию — сегодняшнее занятие, иначе последнее прошедшее."
    return OpenApiParameter(
        "date", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=required, description=f"Дата занятия.{default}"
    )


@extend_schema(tags=["attendance"])
class ProviderGroupAttendanceView(NeverCachedMixin, APIView):
    permission_classes = [IsProviderStaff]

    @extend_schema(
        summary="Журнал посещаемости занятия",
        description=(
            "Ученики группы с договором на дату занятия, их отметки, можно ли ещё исправлять и история "
            "исправлений. Дата — только из расписания группы и не в будущем (400 `not_a_lesson_date`, "
            "`date_in_future`); до первого занятия — 400 `no_lessons_yet`; чужая группа — 404."
        ),
        parameters=[_date_parameter(required=False)],
        responses={200: AttendanceSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, pk: int):
        register = register_for(staff=request.user, group_id=pk, date=_date(request, required=False))
        return Response(AttendanceSerializer(register).data)

    @extend_schema(
        summary="Сохранить журнал занятия",
        description=(
            "Одним запросом, всё или ничего: отметки учеников (новые и исправления; каждое исправление "
            "сохраняется: кто, когда, было, стало) и отмена занятия с причиной. Неизменённая отметка — не "
            "исправление; повтор того же запроса ничего не меняет. Отказы, при которых ничего не "
            "сохраняется: ученик не из группы (`pupil_not_in_group`), нет договора на эту дату "
            "(`no_contract_on_date`), договор закончился (`contract_ended`), дата не из расписания или в "
            "будущем, отмена без причины (`cancel_reason_required`) — 400; акт за месяц выставлен — 409 "
            "`statement_issued`; чужая группа — 404. Дата обязательна."
        ),
        parameters=[_date_parameter(required=True)],
        request=AttendanceInputSerializer,
        responses={200: AttendanceSerializer, **ACTION_ERRORS},
    )
    def put(self, request, pk: int):
        day = _date(request, required=True)
        data = AttendanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        register_save(
            staff=request.user,
            group_id=pk,
            date=day,
            marks=[(mark["enrollment"], mark["status"]) for mark in data.validated_data.get("marks", [])],
            cancelled=data.validated_data["cancelled"],
            reason=data.validated_data["reason"],
        )
        return Response(AttendanceSerializer(register_for(staff=request.user, group_id=pk, date=day)).data)
