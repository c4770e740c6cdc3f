"""The provider's door: its own groups. Only staff of the provider see them; another provider's group
is simply not in the list (the one rule of this door is api.permissions.IsProviderStaff)."""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from api.errors import ErrorSerializer
from api.fields import GroupSerializer
from api.pagination import PortalPagination
from api.permissions import IsProviderStaff
from catalog.models import Program
from catalog.selectors import provider_groups
from enrollments.selectors import groups_with_seats


class ProgramBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = ["id", "title", "status"]
        read_only_fields = fields


class ProviderGroupSerializer(GroupSerializer):
    """A group as the public sees it, with its program (the provider sees every program's groups)."""

    program = ProgramBriefSerializer(read_only=True)

    class Meta(GroupSerializer.Meta):
        fields = ["id", "program", *GroupSerializer.Meta.fields[1:]]
        read_only_fields = fields


@extend_schema(
    summary="Группы моей организации",
    description="Все группы программ организации сотрудника, с расписанием и свободными местами.",
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
