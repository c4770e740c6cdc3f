"""What a parent reads when Gosuslugi sign-in fails: one Russian sentence per cause, and a status."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from social_core.exceptions import (
    AuthAssociationError,
    AuthCanceled,
    AuthConfigurationError,
    AuthCredentialError,
    AuthInputError,
    AuthProviderError,
    AuthSessionError,
    SocialAuthBaseException,
)


@dataclass(frozen=True)
class LoginFailure:
    message: str
    status: int
    esia_code: str = ""
    retry: bool = True


def esia_code_message(code: str) -> tuple[str, int] | None:
    """The ESIA error codes a parent can meet, in plain words (ESIA's own texts are English), with
    the status of the page: 403 for what the parent can retry, 503 for ESIA being down, 502 for
    what only the portal's operator can fix."""
    return {
        "ESIA-007004": (_("Вы отказались предоставить порталу доступ к данным на Госуслугах."), 403),
        "ESIA-007007": (_("На Госуслугах произошла внутренняя ошибка. Попробуйте войти позже."), 503),
        "ESIA-007008": (_("Госуслуги сейчас перегружены или на них идут технические работы. Попробуйте позже."), 503),
        "ESIA-007011": (_("Код входа Госуслуг устарел или уже использован. Начните вход заново."), 403),
        "ESIA-007015": (_("Госуслуги отклонили запрос: неверное время запроса. Начните вход заново."), 403),
        "ESIA-007055": (_("Учётная запись на Госуслугах не подтверждена. Подтвердите её и войдите снова."), 403),
        "ESIA-007053": (_("Госуслуги не приняли подпись портала. Сообщите оператору портала."), 502),
        "ESIA-007002": (_("Госуслуги не узнали сертификат портала. Сообщите оператору портала."), 502),
        "ESIA-007023": (_("Госуслуги не знают адрес возврата портала. Сообщите оператору портала."), 502),
    }.get(code)


def describe(error: SocialAuthBaseException) -> LoginFailure:
    code = str(error.context.get("esia_code", "")) if hasattr(error, "context") else ""
    if code and (known := esia_code_message(code)):
        return LoginFailure(known[0], known[1], code)
    if isinstance(error, AuthCanceled):
        return LoginFailure(_("Вход отменён: вы не дали согласие на передачу данных с Госуслуг."), 403, code)
    if isinstance(error, AuthProviderError) and error.code in {"connection_failed", "timeout", "unavailable"}:
        return LoginFailure(_("Госуслуги сейчас недоступны. Попробуйте войти через несколько минут."), 503, code)
    if isinstance(error, AuthProviderError) or (code and isinstance(error, SocialAuthBaseException)):
        return LoginFailure(_("Госуслуги отклонили запрос на вход."), 502, code)
    if isinstance(error, AuthSessionError) or (error.code == "state_mismatch"):
        return LoginFailure(
            _(
                "Ответ Госуслуг не относится к этому сеансу входа: ссылка устарела, уже использована "
                "или открыта в другом браузере. Начните вход заново."
            ),
            403,
        )
    if isinstance(error, AuthCredentialError):
        return LoginFailure(_("Код входа Госуслуг недействителен или уже использован. Начните вход заново."), 403)
    if isinstance(error, AuthAssociationError):
        return LoginFailure(
            _(
                "СНИЛС или учётная запись Госуслуг уже связаны на портале с другим пользователем. "
                "Обратитесь к оператору портала."
            ),
            409,
            retry=False,
        )
    if isinstance(error, AuthConfigurationError):
        return LoginFailure(_("Вход через Госуслуги на портале настроен неверно. Сообщите оператору портала."), 500)
    if isinstance(error, AuthInputError):
        return LoginFailure(_("Госуслуги вернули неполный ответ. Начните вход заново."), 400)
    claim_messages = {
        ("response_expired", "exp"): _("Ответ Госуслуг устарел. Начните вход заново."),
        ("response_not_yet_valid", "nbf"): _("Ответ Госуслуг ещё не действует: проверьте время на сервере портала."),
        ("invalid_claim", "iss"): _("Ответ выдан не Госуслугами: издатель маркера не тот, которого ждёт портал."),
        ("invalid_claim", "aud"): _("Ответ Госуслуг предназначен другой системе, а не этому порталу."),
        ("invalid_claim", "state"): _("Ответ Госуслуг на запрос маркера не совпадает с запросом портала."),
        ("invalid_claim", "sub"): _("В ответе Госуслуг нет идентификатора пользователя."),
        ("invalid_signature", None): _("Подпись ответа Госуслуг не прошла проверку."),
    }
    message = claim_messages.get((error.code, getattr(error, "claim", None)))
    if message:
        return LoginFailure(message, 403)
    return LoginFailure(_("Госуслуги вернули ответ, который портал не смог проверить."), 502)
