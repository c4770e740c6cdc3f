"""The API's one error format, `{"error": {"code": ..., "message": ..., "fields": {...}}}`: the exception
handler that makes every error answer in it, its schema, and the answer for paths no API view matches.

Domain errors (core.errors) carry no HTTP status; this door maps them: not found → 404, forbidden →
403, conflict → 409, busy → 409 with Retry-After, any other refusal → 400.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import Busy, Conflict, DomainError, Forbidden, NotFound, error_body

# The first class of the error's MRO found here gives the status.
DOMAIN_ERROR_STATUS = {
    NotFound: status.HTTP_404_NOT_FOUND,
    Forbidden: status.HTTP_403_FORBIDDEN,
    Busy: status.HTTP_409_CONFLICT,
    Conflict: status.HTTP_409_CONFLICT,
    DomainError: status.HTTP_400_BAD_REQUEST,
}


def domain_error_status(error: DomainError) -> int:
    return next(DOMAIN_ERROR_STATUS[cls] for cls in type(error).__mro__ if cls in DOMAIN_ERROR_STATUS)


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        return {key: [str(m) for m in (value if isinstance(value, list) else [value])] for key, value in detail.items()}
    return {}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        headers = {"Retry-After": str(exc.retry_after_seconds)} if isinstance(exc, Busy) else None
        return Response(error_body(exc.code, exc.message, exc.fields), status=domain_error_status(exc), headers=headers)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        message = _("Проверьте введённые данные.")
        if isinstance(exc.detail, list):
            message = " ".join(str(m) for m in exc.detail)
        response.data = error_body("invalid", message, fields)
    else:
        detail = getattr(exc, "detail", "")
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = error_body(str(code), str(detail))
    return response


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Постоянный код ошибки: invalid, not_found, …")
    message = serializers.CharField(help_text="Сообщение для человека, на русском.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Ошибки по параметрам: имя параметра → сообщения.",
    )


class ErrorSerializer(serializers.Serializer):
    """For the OpenAPI schema only: responses are built by exception_handler above."""

    error = ErrorDetailSerializer()


def not_found(request, *args, **kwargs) -> JsonResponse:
    # the same words as a 404 raised inside a DRF view
    return JsonResponse(
        error_body(exceptions.NotFound.default_code, str(exceptions.NotFound.default_detail)), status=404
    )
