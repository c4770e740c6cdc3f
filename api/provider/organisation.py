"""The provider's door: its organisation's profile. Every member of staff reads it; the manager changes the
contacts, and the legal details while the municipality has not yet taken the application up
(catalog.organisation decides: from review on they are read-only, 409 `legal_details_locked`)."""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ErrorSerializer
from api.permissions import IsProviderManager, IsProviderStaff
from catalog.models import Municipality, Provider
from catalog.organisation import (
    CONTACT_FIELDS,
    LEGAL_FIELDS,
    Contacts,
    LegalDetails,
    legal_details_editable,
    provider_profile_update,
)

LEGAL_NAMES = [name.removesuffix("_id") for name in LEGAL_FIELDS]


class OrganisationSerializer(serializers.ModelSerializer):
    legal_editable = serializers.SerializerMethodField(
        help_text="Можно ли сейчас менять реквизиты: пока заявка новая или после отказа муниципалитета."
    )

    class Meta:
        model = Provider
        fields = ["id", "status", "legal_editable", *LEGAL_NAMES, *CONTACT_FIELDS]
        read_only_fields = fields

    def get_legal_editable(self, provider: Provider) -> bool:
        return legal_details_editable(provider)


class OrganisationWriteSerializer(serializers.Serializer):
    """The page's form (workplace.organisation.ProfileForm), field by field; the service checks ИНН, ОГРН
    and the licence by the organisation's kind."""

    kind = serializers.ChoiceField(choices=Provider.Kind.choices)
    legal_name = serializers.CharField(max_length=500)
    inn = serializers.CharField(max_length=14)
    ogrn = serializers.CharField(max_length=17)
    licence_number = serializers.CharField(max_length=64, allow_blank=True)
    licence_date = serializers.DateField(allow_null=True)
    municipality = serializers.PrimaryKeyRelatedField(queryset=Municipality.objects.all())
    short_name = serializers.CharField(max_length=200, allow_blank=True)
    address = serializers.CharField(max_length=500)
    phone = serializers.CharField(max_length=32)
    email = serializers.EmailField()
    website = serializers.URLField(allow_blank=True)


def _profile(provider: Provider, changes: dict) -> tuple[Contacts, LegalDetails | None]:
    """The profile as it will be: the stored fields with the sent ones over them; the legal details only
    when any was sent (the service refuses them once locked, unless unchanged)."""
    if "municipality" in changes:
        changes["municipality_id"] = changes.pop("municipality").pk
    contacts = Contacts(**{name: changes.get(name, getattr(provider, name)) for name in CONTACT_FIELDS})
    if not any(name in changes for name in LEGAL_FIELDS):
        return contacts, None
    return contacts, LegalDetails(**{name: changes.get(name, getattr(provider, name)) for name in LEGAL_FIELDS})


class ProviderOrganisationView(APIView):
    permission_classes = [IsProviderStaff]

    def get_permissions(self):
        if self.request.method == "PATCH":
            return [IsProviderManager()]
        return super().get_permissions()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    @extend_schema(
        summary="Моя организация",
        description="Профиль организации сотрудника: статус заявки, реквизиты, адрес и контакты.",
        responses={200: OrganisationSerializer, 403: ErrorSerializer},
    )
    def get(self, request):
        return Response(OrganisationSerializer(request.user.provider).data)

    @extend_schema(
        summary="Изменить данные организации",
        description=(
            "Любые из полей. Контакты, адрес, сайт и краткое наименование меняются всегда; реквизиты (вид, "
            "наименование, ИНН, ОГРН, лицензия, муниципалитет) — только пока заявка новая или после отказа "
            "(изменённая отклонённая заявка снова ждёт проверки), иначе 409 `legal_details_locked`. ИНН и ОГРН "
            "проверяются по виду организации и контрольной сумме. Только руководитель организации."
        ),
        request=OrganisationWriteSerializer(partial=True),
        responses={200: OrganisationSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 409: ErrorSerializer},
    )
    def patch(self, request):
        write = OrganisationWriteSerializer(data=request.data, partial=True)
        write.is_valid(raise_exception=True)
        contacts, legal = _profile(request.user.provider, dict(write.validated_data))
        provider, _changed = provider_profile_update(actor=request.user, contacts=contacts, legal=legal)
        return Response(OrganisationSerializer(provider).data)
