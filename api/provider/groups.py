"""The provider's door: its own groups. Only staff of the provider see them; another provider's group
is simply not in the list (the one rule of this door is api.permissions.IsProviderStaff)."""

from __future__ import annotations

from datetime import date

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers

from api.errors import ErrorSerializer
from api.fields import GroupSerializer
from api.pagination import PortalPagination
from api.permissions import IsProviderStaff
from billing.attendance import has_lesson_today, latest_lesson_date
from catalog.models import Group, Program
from catalog.selectors import provider_groups
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

    def get_queryset(self):
        return groups_with_seats(provider_groups(provider_id=self.request.user.provider_id))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response
