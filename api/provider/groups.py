"""The provider's door: its own groups. Only staff of the provider see them (a teacher: the groups they
teach); another provider's group is simply not there (404). The organisation's manager creates groups
and changes them (api.permissions.IsProviderManager for writes): the checks are catalog.groups', the seats
enrollments.groups'."""

from __future__ import annotations

from datetime import date

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from api.errors import ErrorSerializer
from api.fields import GroupSerializer
from api.pagination import PortalPagination
from api.permissions import IsProviderManager, IsProviderStaff
from billing.attendance import has_lesson_today, latest_lesson_date
from catalog.groups import group_create
from catalog.models import Group, Program
from catalog.selectors import staff_groups
from core.idempotency import idempotent_api
from enrollments.groups import provider_group_update
from enrollments.selectors import groups_with_seats


class ProgramBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = ["id", "title", "status"]
        read_only_fields = fields


class ProviderGroupSerializer(GroupSerializer):
    """A group as the public sees it, with its program (the provider sees every program's groups) and
    where its attendance register opens (from the prefetched schedule: no query)."""

    program = ProgramBriefSerializer(read_only=True)
    lesson_today = serializers.SerializerMethodField(help_text="Есть ли у группы занятие сегодня.")
    register_date = serializers.SerializerMethodField(
        help_text=(
            "Дата, на которой открывается журнал посещаемости: сегодняшнее занятие, иначе последнее "
            "прошедшее; null — занятий ещё не было."
        )
    )

    class Meta(GroupSerializer.Meta):
        fields = ["id", "program", *GroupSerializer.Meta.fields[1:], "lesson_today", "register_date"]
        read_only_fields = fields

    def get_lesson_today(self, group: Group) -> bool:
        return has_lesson_today(group)

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_register_date(self, group: Group) -> date | None:
        return latest_lesson_date(group)


class SlotWriteSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 — понедельник … 6 — воскресенье.")
    start = serializers.TimeField(format="%H:%M", input_formats=["%H:%M"])
    end = serializers.TimeField(format="%H:%M", input_formats=["%H:%M"])
    room = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class GroupWriteSerializer(serializers.Serializer):
    program = serializers.IntegerField(help_text="id программы организации.")
    name = serializers.CharField(max_length=200)
    teacher = serializers.CharField(
        max_length=200, help_text="id учётной записи педагога организации или ФИО педагога."
    )
    capacity = serializers.IntegerField(min_value=1)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    schedule = SlotWriteSerializer(many=True)
    enrollment_open = serializers.BooleanField(required=False)


@extend_schema(
    summary="Группы моей организации",
    description=(
        "Все группы программ организации сотрудника, с расписанием, свободными местами и датой, на которой "
        "открывается журнал посещаемости."
    ),
    responses={200: ProviderGroupSerializer(many=True), 400: ErrorSerializer, 403: ErrorSerializer},
)
class ProviderGroupListView(generics.ListAPIView):
    serializer_class = ProviderGroupSerializer
    permission_classes = [IsProviderStaff]
    pagination_class = PortalPagination
    filter_backends = []

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsProviderManager()]
        return super().get_permissions()

    def get_queryset(self):
        return groups_with_seats(staff_groups(staff=self.request.user))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    @extend_schema(
        summary="Создать группу",
        description=(
            "Группа программы организации с недельным расписанием. Педагог — id учётной записи педагога "
            "организации или ФИО (пока у организации нет учётных записей педагогов). Расписание не может "
            "пересекаться для одного педагога или помещения: 400 `schedule_clash` с описанием пересечения. "
            "Начать занятия можно и сегодня. Только руководитель организации."
        ),
        request=GroupWriteSerializer,
        responses={201: ProviderGroupSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    )
    @idempotent_api
    def post(self, request):
        data = _valid(GroupWriteSerializer(data=request.data))
        group = group_create(actor=request.user, program_id=data.pop("program"), **data)
        return Response(_one(request, group.pk), status=status.HTTP_201_CREATED)


def _valid(serializer: serializers.Serializer) -> dict:
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    if "schedule" in data:
        data["schedule"] = [{**slot} for slot in data["schedule"]]
    return data


def _one(request, pk: int) -> dict:
    group = groups_with_seats(staff_groups(staff=request.user)).get(pk=pk)
    return ProviderGroupSerializer(group, context={"request": request}).data


@extend_schema(
    summary="Группа моей организации",
    description="Одна группа организации; чужая группа (и для педагога — не его) — 404.",
    responses={200: ProviderGroupSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
)
class ProviderGroupDetailView(generics.RetrieveAPIView):
    serializer_class = ProviderGroupSerializer
    permission_classes = [IsProviderStaff]

    def get_permissions(self):
        if self.request.method == "PATCH":
            return [IsProviderManager()]
        return super().get_permissions()

    def get_queryset(self):
        return groups_with_seats(staff_groups(staff=self.request.user))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    @extend_schema(
        summary="Изменить группу",
        description=(
            "Любые из полей группы; расписание заменяется целиком. Мест — не меньше уже занятых (400 "
            "`capacity_below_held`); прибавка мест продвигает лист ожидания. `enrollment_open` открывает или "
            "закрывает набор. Только руководитель организации."
        ),
        request=GroupWriteSerializer(partial=True),
        responses={200: ProviderGroupSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def patch(self, request, pk: int):
        self.get_object()  # another organisation's group: 404
        data = _valid(GroupWriteSerializer(data=request.data, partial=True))
        data.pop("program", None)
        provider_group_update(actor=request.user, group_id=pk, changes=data)
        return Response(_one(request, pk))
