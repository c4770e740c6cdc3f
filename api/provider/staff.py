"""The provider's door: its staff accounts, the manager's only. A member becomes a manager or a teacher,
an account is switched off (no more sign-in, every session ends) or back on; the organisation always keeps
an active manager (409 `last_manager`). The rules are accounts.services'; another organisation's account
is a 404."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from accounts.roles import PROVIDER_MANAGER, TEACHER
from accounts.services import provider_staff_active_set, provider_staff_role_change
from api.errors import ErrorSerializer
from api.pagination import PortalPagination
from api.permissions import IsProviderManager
from catalog.selectors import provider_staff

# The API's stable role codes for the roles' group names (stored data in Russian).
ROLES = {"manager": PROVIDER_MANAGER, "teacher": TEACHER}
ROLE_CODES = {name: code for code, name in ROLES.items()}


class StaffSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="manager — руководитель, teacher — педагог; null — без роли.")
    active = serializers.BooleanField(source="is_active", read_only=True, help_text="Может ли входить в кабинет.")

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "last_name", "first_name", "middle_name", "email", "phone", "role", "active"]
        read_only_fields = fields

    def get_role(self, user) -> str | None:
        # The groups are prefetched (catalog.selectors.provider_staff): no query per member.
        names = {group.name for group in user.groups.all()}
        return next((code for name, code in ROLE_CODES.items() if name in names), None)


class StaffWriteSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=list(ROLES), required=False)
    active = serializers.BooleanField(required=False)


class _StaffView(generics.GenericAPIView):
    serializer_class = StaffSerializer
    permission_classes = [IsProviderManager]

    def get_queryset(self):
        return provider_staff(provider_id=self.request.user.provider_id)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


@extend_schema(
    summary="Сотрудники моей организации",
    description="Все учётные записи организации с ролью; сначала действующие, по фамилии. Только руководитель.",
    responses={200: StaffSerializer(many=True), 403: ErrorSerializer},
)
class ProviderStaffListView(_StaffView, generics.ListAPIView):
    pagination_class = PortalPagination
    filter_backends = []


class ProviderStaffDetailView(_StaffView):
    @extend_schema(
        summary="Изменить роль или доступ сотрудника",
        description=(
            "`role`: manager или teacher; `active`: false — отключить учётную запись (вход закрыт, все сеансы "
            "завершаются), true — включить. В организации всегда остаётся действующий руководитель: иначе 409 "
            "`last_manager`. Чужой сотрудник — 404. Только руководитель."
        ),
        request=StaffWriteSerializer,
        responses={200: StaffSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def patch(self, request, pk: int):
        write = StaffWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        data = write.validated_data
        # Both changes or neither: a refused second change undoes the first.
        with transaction.atomic():
            if "role" in data:
                provider_staff_role_change(actor=request.user, user_id=pk, role=ROLES[data["role"]])
            if "active" in data:
                provider_staff_active_set(actor=request.user, user_id=pk, active=data["active"])
        return Response(StaffSerializer(self.get_object()).data)
