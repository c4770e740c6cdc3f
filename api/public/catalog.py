"""Catalog API: the search with filters and facets, one program with its open groups, its published
ratings, title suggestions.

Thin doors over search.selectors: CatalogFilter parses and validates the parameters (through
DjangoFilterBackend) and runs the search; these views only page and serialize.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from api.errors import ErrorSerializer
from api.fields import (
    AmountField,
    DirectionBriefSerializer,
    GroupSerializer,
    MunicipalityBriefSerializer,
    ProviderBriefSerializer,
)
from api.pagination import PortalPagination
from catalog.models import Program
from catalog.pricing import program_lesson_price
from catalog.selectors import visible_programs
from enrollments.models import RATING_SCORES, ProgramRating
from enrollments.ratings import program_published_ratings, program_score_means
from search.filters import CatalogFilter, no_control_characters
from search.selectors import MAX_QUERY_LENGTH, Facets, program_detail_queryset, search_suggest
from search.words import WordsNotice

# --- Output -------------------------------------------------------------------------------------


class LessonPriceField(AmountField):
    """One part of catalog.pricing.program_lesson_price(): `price`, `certificate_pays` or `parent_pays`."""

    def __init__(self, part: str, **kwargs):
        self.part = part
        super().__init__(source="*", **kwargs)

    def to_representation(self, program: Program) -> str:
        return super().to_representation(getattr(program_lesson_price(program), self.part))


class ProgramListSerializer(serializers.ModelSerializer):
    provider = ProviderBriefSerializer(read_only=True)
    municipality = MunicipalityBriefSerializer(source="provider.municipality", read_only=True)
    direction = DirectionBriefSerializer(read_only=True)
    lesson_price = LessonPriceField("price", help_text="Стоимость одного занятия.")
    certificate_pays = LessonPriceField("certificate_pays", help_text="Сколько за занятие платит сертификат.")
    parent_pays = LessonPriceField("parent_pays", help_text="Сколько за занятие доплачивают родители.")
    next_start = serializers.DateField(
        read_only=True, allow_null=True, help_text="Дата начала ближайшей группы с открытым набором."
    )
    url = serializers.HyperlinkedIdentityField(view_name="api:program-detail")
    distance_km = serializers.SerializerMethodField(
        help_text="Расстояние до места проведения от точки `lat`, `lon` запроса, км; null без точки или без координат."
    )

    class Meta:
        model = Program
        fields = [
            "id",
            "title",
            "provider",
            "municipality",
            "direction",
            "activity_type",
            "age_min",
            "age_max",
            "form",
            "funding",
            "special_needs",
            "lesson_price",
            "certificate_pays",
            "parent_pays",
            "rating",
            "rating_count",
            "next_start",
            "venue_latitude",
            "venue_longitude",
            "distance_km",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_distance_km(self, program: Program) -> float | None:
        distance = getattr(program, "distance_km", None)
        return None if distance is None else round(distance, 2)

    def to_representation(self, program: Program) -> dict:
        """The same dict as the declared fields give (they stay the schema, and the detail uses them),
        built directly: a page of 20 programs through the generic field machinery cost several
        milliseconds of Python (four serializers' fields built per request, the lesson price computed
        three times per program). tests/api/test_catalog_api.py checks both paths agree."""
        price = program_lesson_price(program)
        provider = program.provider
        municipality = provider.municipality
        direction = program.direction
        rating = program.rating
        url = None if program.pk in (None, "") else self._detail_url(program.pk)
        return {
            "id": program.pk,
            "title": program.title,
            "provider": {"id": provider.pk, "short_name": provider.short_name},
            "municipality": {"id": municipality.pk, "name": municipality.name},
            "direction": {"code": direction.code, "name": direction.name},
            "activity_type": program.activity_type,
            "age_min": program.age_min,
            "age_max": program.age_max,
            "form": program.form,
            "funding": program.funding,
            "special_needs": bool(program.special_needs),
            "lesson_price": _AMOUNT.to_representation(price.price),
            "certificate_pays": _AMOUNT.to_representation(price.certificate_pays),
            "parent_pays": _AMOUNT.to_representation(price.parent_pays),
            "rating": None if rating is None else _RATING.to_representation(rating),
            "rating_count": program.rating_count,
            "next_start": _DATE.to_representation(program.next_start),
            "venue_latitude": _coordinate(_LATITUDE, program.venue_latitude),
            "venue_longitude": _coordinate(_LONGITUDE, program.venue_longitude),
            "distance_km": self.get_distance_km(program),
            "url": url,
        }

    _URL_PK_SAMPLE = 918273645

    def _detail_url(self, pk: int) -> str:
        """What HyperlinkedIdentityField("api:program-detail") gives, reversing the URL once per page:
        the absolute URL of a sample pk, split around it, and each program's pk put in its place."""
        try:
            head, tail = self._detail_url_parts
        except AttributeError:
            sample = self._reverse_detail(self._URL_PK_SAMPLE)
            parts = sample.split(str(self._URL_PK_SAMPLE))
            head, tail = self._detail_url_parts = (parts[0], parts[1]) if len(parts) == 2 else (None, None)
        if head is None:
            return self._reverse_detail(pk)
        return f"{head}{pk}{tail}"

    def _reverse_detail(self, pk: int) -> str:
        request = self.context["request"]
        return reverse("api:program-detail", kwargs={"pk": pk}, request=request, format=self.context.get("format"))


# Stateless converters for ProgramListSerializer.to_representation, the same as its fields use.
_AMOUNT = AmountField()
_RATING = serializers.DecimalField(
    max_digits=Program._meta.get_field("rating").max_digits,
    decimal_places=Program._meta.get_field("rating").decimal_places,
    read_only=True,
)
_DATE = serializers.DateField(read_only=True)
_LATITUDE, _LONGITUDE = (
    serializers.DecimalField(
        max_digits=Program._meta.get_field(name).max_digits,
        decimal_places=Program._meta.get_field(name).decimal_places,
        read_only=True,
    )
    for name in ("venue_latitude", "venue_longitude")
)


def _coordinate(field: serializers.DecimalField, value):
    return None if value is None else field.to_representation(value)


class ProgramDetailSerializer(ProgramListSerializer):
    normative_lesson_price = AmountField(help_text="Нормативная стоимость занятия.")
    next_start = serializers.SerializerMethodField()
    groups = GroupSerializer(
        source="open_groups", many=True, read_only=True, help_text="Группы, в которые ещё можно записаться."
    )

    class Meta(ProgramListSerializer.Meta):
        fields = [
            *ProgramListSerializer.Meta.fields,
            "description",
            "venue_address",
            "normative_lesson_price",
            "lessons_per_month",
            "groups",
        ]
        read_only_fields = fields

    # One program: the declared fields, not the list's shortcut.
    to_representation = serializers.ModelSerializer.to_representation

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_next_start(self, program: Program):
        # the same rule as the list's next_start, over the open groups already fetched
        return min((group.start_date for group in program.open_groups), default=None)


# --- The list: parameters, facets, paging -----------------------------------------------------


class CatalogFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend that keeps the search's facet counts on the view (as `view.facets`) and
    never repeats a rejected value back (it may be 10 kB of junk or markup)."""

    _ECHOING = {"invalid_choice", "invalid_pk_value", "invalid_list"}

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if not filterset.is_valid():
            raise ValidationError(
                {
                    name: [
                        _("Недопустимое значение.") if e.code in self._ECHOING else " ".join(e.messages) for e in errors
                    ]
                    for name, errors in filterset.form.errors.as_data().items()
                }
            )
        results = filterset.qs
        view.facets = filterset.facets
        return results


def _notice(notice: WordsNotice | None) -> dict | None:
    if notice is None:
        return None
    return {
        "query": notice.typed,
        "searched": notice.searched,
        "corrected": notice.corrected,
        "widened": notice.widened,
    }


def _facet_schema(description: str) -> dict:
    return {"type": "object", "additionalProperties": {"type": "integer"}, "description": description}


class FacetedPagination(PortalPagination):
    """Pages of a faceted search: the count comes with the facets (no second COUNT query)."""

    def paginate_queryset(self, queryset, request, view=None, *, facets: Facets):
        self.facets = facets
        return super().paginate_queryset(queryset, request, view, count=facets.total)

    def get_paginated_response(self, data):
        facets = self.facets
        return Response(
            {
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
                "facets": {
                    "direction": facets.directions,
                    "municipality": facets.municipalities,
                    "funding": facets.fundings,
                },
                "notice": _notice(facets.notice),
            }
        )

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["facets"] = {
            "type": "object",
            "description": "Сколько программ нашлось бы по каждому значению фильтра при остальных фильтрах.",
            "properties": {
                "direction": _facet_schema("По направленностям: код → число программ."),
                "municipality": _facet_schema("По муниципалитетам: id → число программ."),
                "funding": _facet_schema("По видам финансирования: FREE / CERTIFICATE / PAID → число программ."),
            },
            "required": ["direction", "municipality", "funding"],
        }
        paginated["properties"]["notice"] = {
            "type": "object",
            "nullable": True,
            "description": (
                "Запрос искали не в точности как введён: исправили опечатки (`corrected`) или, когда ни одна "
                "программа не подходит под все слова, показали программы с частью слов, сначала где их больше "
                "(`widened`). null — искали как введено. Искать точно как введено: параметр `exact=true`."
            ),
            "properties": {
                "query": {"type": "string", "description": "Запрос как введён."},
                "searched": {"type": "string", "description": "Слова, которые искали (после исправлений)."},
                "corrected": {"type": "boolean"},
                "widened": {"type": "boolean"},
            },
            "required": ["query", "searched", "corrected", "widened"],
        }
        paginated["required"] = [*paginated.get("required", []), "facets", "notice"]
        return paginated


@extend_schema(
    summary="Поиск программ",
    description=(
        "Сертифицированные программы допущенных организаций: полнотекстовый поиск на русском с синонимами, "
        "исправлением опечаток и показом программ с частью слов, когда со всеми нет (см. `notice`), фильтры, сортировка, страницы по 20 и счётчики фасетов. Страница за последней — пустой "
        "список с верным `count`."
    ),
    responses={200: ProgramListSerializer(many=True), 400: ErrorSerializer},
)
class ProgramListView(generics.ListAPIView):
    serializer_class = ProgramListSerializer
    filter_backends = [CatalogFilterBackend]
    filterset_class = CatalogFilter
    pagination_class = FacetedPagination
    permission_classes = [AllowAny]

    def get_queryset(self):
        # Tells the FilterSet its model; CatalogFilter runs catalog_search() itself.
        return visible_programs()

    def list(self, request, *args, **kwargs):
        results = self.filter_queryset(self.get_queryset())
        page = self.paginator.paginate_queryset(results, request, view=self, facets=self.facets)
        return self.paginator.get_paginated_response(self.get_serializer(page, many=True).data)


# --- One program --------------------------------------------------------------------------------


@extend_schema(
    summary="Программа",
    description="Программа с группами, в которые открыт набор: расписание и свободные места.",
    responses={200: ProgramDetailSerializer, 404: ErrorSerializer},
)
class ProgramDetailView(generics.RetrieveAPIView):
    serializer_class = ProgramDetailSerializer
    filter_backends = []
    permission_classes = [AllowAny]

    def get_queryset(self):
        return program_detail_queryset()


# --- Suggestions ----------------------------------------------------------------------------------


class SuggestQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_QUERY_LENGTH,
        validators=[no_control_characters],
        help_text="Начало названия (от двух символов).",
    )


class SuggestionsSerializer(serializers.Serializer):
    suggestions = serializers.ListField(child=serializers.CharField(), help_text="Названия программ.")


class ProgramSuggestView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Подсказки для строки поиска",
        parameters=[SuggestQuerySerializer],
        responses={200: SuggestionsSerializer, 400: ErrorSerializer},
    )
    def get(self, request):
        params = SuggestQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response({"suggestions": search_suggest(params.validated_data.get("q", ""))})


# --- A program's ratings ---------------------------------------------------------------------------


class PublishedRatingSerializer(serializers.ModelSerializer):
    """A published rating as the program's page shows it: the four scores, the comment, the provider's
    answer; never who wrote it."""

    class Meta:
        model = ProgramRating
        fields = ["id", *RATING_SCORES, "comment", "created_at", "answer", "answered_at"]
        read_only_fields = fields


def _mean_field(label: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=3, decimal_places=2, rounding=ROUND_HALF_UP, allow_null=True, read_only=True, help_text=label
    )


class ScoreMeansSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Сколько опубликованных оценок.")
    results = _mean_field("Средняя оценка результатов; null без оценок.")
    teachers = _mean_field("Средняя оценка педагогов.")
    facilities = _mean_field("Средняя оценка материально-технической базы.")
    overall = _mean_field("Средняя общая оценка.")


class RatingsPagination(PortalPagination):
    """Pages of a program's ratings with the means of all of them (whose count spares the COUNT query)."""

    def paginate_queryset(self, queryset, request, view=None, *, means: dict):
        self.means = means
        return super().paginate_queryset(queryset, request, view, count=means["count"])

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["means"] = ScoreMeansSerializer(self.means).data
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["means"] = {
            "type": "object",
            "description": "Средние по каждой из четырёх оценок среди всех опубликованных оценок программы.",
            "properties": {
                "count": {"type": "integer"},
                **{name: {"type": "string", "format": "decimal", "nullable": True} for name in RATING_SCORES},
            },
            "required": ["count", *RATING_SCORES],
        }
        paginated["required"] = [*paginated.get("required", []), "means"]
        return paginated


@extend_schema(
    summary="Оценки программы",
    description=(
        "Опубликованные оценки родителей (после модерации муниципалитетом) с ответами организации, новые "
        "первыми, по 20 на странице, и средние по каждой оценке. Программа не в каталоге — 404."
    ),
    responses={200: PublishedRatingSerializer(many=True), 404: ErrorSerializer},
)
class ProgramRatingsView(generics.ListAPIView):
    serializer_class = PublishedRatingSerializer
    pagination_class = RatingsPagination
    filter_backends = []
    permission_classes = [AllowAny]

    def get_queryset(self):
        return program_published_ratings(program_id=self.kwargs["pk"])

    def list(self, request, *args, **kwargs):
        program = get_object_or_404(visible_programs().only("pk", "rating_count"), pk=self.kwargs["pk"])
        # The kept count of published ratings (enrollments.ratings) spares both queries when it is 0.
        if program.rating_count:
            means = program_score_means(program_id=program.pk)
        else:
            means = {"count": 0, **dict.fromkeys(RATING_SCORES)}
        page = self.paginator.paginate_queryset(self.get_queryset(), request, view=self, means=means)
        return self.paginator.get_paginated_response(self.get_serializer(page, many=True).data)
