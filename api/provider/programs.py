"""The provider's door: its own programs, the organisation's manager's only (like the workplace pages:
a teacher keeps the register and rosters of their groups, nothing more). Another provider's program is
simply not there (404). The checks and the versions are catalog.programs': a certified program edited
keeps being listed as certified while its new version (`revision`) waits for the municipality."""

from __future__ import annotations

from django.http import Http404
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ErrorSerializer
from api.pagination import PortalPagination
from api.permissions import IsProviderManager
from catalog.models import Program
from catalog.programs import (
    EDITABLE_FIELDS,
    cover_prepare,
    program_create,
    program_submit,
    program_update,
    program_version,
)
from catalog.selectors import provider_program, provider_programs_all
from core.idempotency import idempotent_api

# The API names the direction as the page's form does: "direction", the direction's id.
FIELD_NAMES = [name.removesuffix("_id") for name in EDITABLE_FIELDS]


class ProgramFieldsSerializer(serializers.ModelSerializer):
    """Every field of a program the manager edits (DOMAIN.md «Catalog»), as the page's form has them;
    writes are parsed here and checked as a whole by catalog.programs."""

    class Meta:
        model = Program
        fields = FIELD_NAMES
        extra_kwargs = {"title": {"required": True}}


class ProgramWriteSerializer(ProgramFieldsSerializer):
    cover = serializers.FileField(
        required=False,
        write_only=True,
        help_text="Обложка (multipart/form-data): JPEG, PNG или WebP, не больше 5 МБ; уменьшается до 1200×800.",
    )

    class Meta(ProgramFieldsSerializer.Meta):
        fields = [*FIELD_NAMES, "cover"]

    def service_fields(self) -> dict:
        data = dict(self.validated_data)
        data.pop("cover", None)
        if "direction" in data:
            data["direction_id"] = data.pop("direction").pk
        return data

    def prepared_cover(self):
        upload = self.validated_data.get("cover")
        return cover_prepare(upload) if upload else None


class ProviderProgramSerializer(ProgramFieldsSerializer):
    """The program as the catalog lists it (for a certified program: its certified version), its status,
    and the new version waiting for review, if any."""

    cover = serializers.SerializerMethodField(help_text="Адрес обложки; null — обложки нет.")
    revision = serializers.SerializerMethodField(
        help_text=(
            "Новая версия сертифицированной программы (все поля с изменениями поверх сертифицированных), "
            "пока муниципалитет её не проверил; null — новой версии нет."
        )
    )

    class Meta(ProgramFieldsSerializer.Meta):
        fields = ["id", "status", "revision_status", "review_comment", *FIELD_NAMES, "cover", "revision", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_cover(self, program: Program) -> str | None:
        return program.cover.url if program.cover else None

    @extend_schema_field(ProgramFieldsSerializer(allow_null=True))
    def get_revision(self, program: Program) -> dict | None:
        if not program.revision:
            return None
        # The latest version as an unsaved Program: the serializer reads the direction's id, no query.
        return ProgramFieldsSerializer(Program(**program_version(program))).data


class _NeverCached:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


def _own(request, pk: int) -> Program:
    program = provider_program(provider_id=request.user.provider_id, program_id=pk)
    if program is None:
        raise Http404
    return program


def _one(request, pk: int) -> dict:
    return ProviderProgramSerializer(_own(request, pk), context={"request": request}).data


@extend_schema(
    summary="Программы моей организации",
    description=(
        "Все программы организации в любом статусе, по названию; у сертифицированной программы с изменениями — "
        "её новая версия на проверке (`revision`). Только руководитель организации."
    ),
    responses={200: ProviderProgramSerializer(many=True), 403: ErrorSerializer},
)
class ProviderProgramListView(_NeverCached, generics.ListAPIView):
    serializer_class = ProviderProgramSerializer
    permission_classes = [IsProviderManager]
    pagination_class = PortalPagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends = []

    def get_queryset(self):
        return provider_programs_all(provider_id=self.request.user.provider_id)

    @extend_schema(
        summary="Создать программу",
        description=(
            "Новая программа организации — черновик; отправить на сертификацию — `…/submit/`. Обложка — полем "
            "`cover` в multipart/form-data. Поля проверяются вместе (возраст, цены, бесплатная программа "
            "ничего не стоит): 400 с сообщениями по полям. Только руководитель организации."
        ),
        request={"application/json": ProgramWriteSerializer, "multipart/form-data": ProgramWriteSerializer},
        responses={201: ProviderProgramSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    )
    @idempotent_api
    def post(self, request):
        write = ProgramWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        program = program_create(actor=request.user, fields=write.service_fields(), cover=write.prepared_cover())
        return Response(_one(request, program.pk), status=status.HTTP_201_CREATED)


@extend_schema(
    summary="Программа моей организации",
    description="Одна программа организации; чужая программа — 404. Только руководитель организации.",
    responses={200: ProviderProgramSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
)
class ProviderProgramDetailView(_NeverCached, generics.RetrieveAPIView):
    serializer_class = ProviderProgramSerializer
    permission_classes = [IsProviderManager]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return provider_programs_all(provider_id=self.request.user.provider_id)

    @extend_schema(
        summary="Изменить программу",
        description=(
            "Любые из полей программы. Черновик, отклонённая программа и программа на проверке меняются на "
            "месте (отклонённая снова становится черновиком). Сертифицированная программа не меняется: "
            "изменения становятся её новой версией (`revision`, `revision_status` ON_REVIEW) и сразу уходят "
            "на проверку, а в каталоге до решения муниципалитета остаётся сертифицированная версия. Программа "
            "в архиве не меняется (409 `archived`). Только руководитель организации."
        ),
        request={
            "application/json": ProgramWriteSerializer(partial=True),
            "multipart/form-data": ProgramWriteSerializer(partial=True),
        },
        responses={
            200: ProviderProgramSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    def patch(self, request, pk: int):
        _own(request, pk)  # another organisation's program: 404
        write = ProgramWriteSerializer(data=request.data, partial=True)
        write.is_valid(raise_exception=True)
        program_update(actor=request.user, program_id=pk, fields=write.service_fields(), cover=write.prepared_cover())
        return Response(_one(request, pk))


@extend_schema(
    summary="Отправить программу на сертификацию",
    description=(
        "Черновик или отклонённая программа (или отклонённая новая версия сертифицированной) уходит на проверку "
        "муниципалитета. Уже сертифицированная программа без изменений — 409 `nothing_to_review`. Только "
        "руководитель организации."
    ),
    request=None,
    responses={200: ProviderProgramSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
)
class ProviderProgramSubmitView(APIView):
    permission_classes = [IsProviderManager]

    @idempotent_api
    def post(self, request, pk: int):
        _own(request, pk)
        program_submit(actor=request.user, program_id=pk)
        return Response(_one(request, pk))
