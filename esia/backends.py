"""`EsiaOAuth2`: Gosuslugi (ЕСИА) sign-in for parents on python-social-auth's `BaseOAuth2`.

The protocol (ESIA methodological recommendations, v2/ac and v3/te endpoints):

1. The browser goes to `{host}/aas/oauth2/v2/ac` with client_id, client_secret, redirect_uri,
   scope, response_type=code, state (UUID4), timestamp («yyyy.MM.dd HH:mm:ss +0300»),
   access_type=online and client_certificate_hash. `client_secret` is the GOST signature over
   client_id + scope + timestamp + state + redirect_uri.
2. ESIA sends the browser back with `code` and the same `state` (checked against the session), or
   with `error` / `error_description` (ESIA-00xxxx).
3. The portal POSTs the code to `{host}/aas/oauth2/v3/te` with a *new* state and timestamp; the
   signed string gains the code at its end. The answer's `state` must echo the new one; its
   id_token is checked (`esia.tokens`).
4. With the access token: `/rs/prns/{oid}`, `/rs/prns/{oid}/ctts` and `/rs/prns/{oid}/kids`.

Tokens are not kept: the portal needs ESIA only at sign-in, so neither the session, the partial
pipeline nor `UserSocialAuth.extra_data` stores them.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from social_core.backends.base import BaseAuth
from social_core.backends.oauth import BaseOAuth2
from social_core.exceptions import AuthInputError, AuthResponseError
from social_core.utils import handle_http_errors, wrap_access_token_error

from esia import protocol, signers, tokens

STANDIN_PATH = "/esia-standin"


class EsiaOAuth2(BaseOAuth2):
    name = "esia"
    ID_KEY = "oid"
    REDIRECT_STATE = False
    STATE_PARAMETER = True
    ACCESS_TOKEN_METHOD = "POST"
    SCOPE_SEPARATOR = " "
    EXTRA_DATA = []

    # --- where ESIA is -------------------------------------------------------------------------

    def host(self) -> str:
        host = settings.ESIA_HOST
        if not host and settings.ESIA_STANDIN_ENABLED:
            # Development: the stand-in is served by this very portal, at whatever address the
            # browser used to reach it (any port of `./run` or `runserver`).
            host = self.strategy.build_absolute_uri(STANDIN_PATH)
        return host.rstrip("/")

    def authorization_url(self) -> str:
        return self.host() + protocol.AUTHORIZATION_PATH

    def access_token_url(self) -> str:
        return self.host() + protocol.TOKEN_PATH

    def client_id(self) -> str:
        return settings.ESIA_CLIENT_ID

    def scope(self) -> str:
        return settings.ESIA_SCOPE

    # --- signed requests -----------------------------------------------------------------------

    def state_token(self) -> str:
        return str(uuid.uuid4())

    def signed_params(self, *, state: str, code: str = "") -> dict[str, str]:
        """The parameters every ESIA request carries, with `client_secret` signed over them."""
        signer = signers.get_signer()
        client_id, scope, redirect_uri = self.client_id(), self.scope(), self.get_redirect_uri()
        stamp = protocol.timestamp()
        return {
            "client_id": client_id,
            "client_secret": signers.client_secret(
                signer, protocol.signed_string(client_id, scope, stamp, state, redirect_uri, code)
            ),
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
            "timestamp": stamp,
            "client_certificate_hash": signer.certificate_hash(),
        }

    def auth_url(self) -> str:
        state = self.get_or_create_state()
        params = {**self.signed_params(state=state), "response_type": "code", "access_type": "online"}
        return f"{self.authorization_url()}?{protocol.encode_query(params)}"

    def token_params(self, code: str) -> dict[str, str]:
        return {
            **self.signed_params(state=self.state_token(), code=code),
            "code": code,
            "grant_type": "authorization_code",
            "token_type": "Bearer",
        }

    # --- errors --------------------------------------------------------------------------------

    def get_provider_error(self, data, *, stage="callback", status_code=None, retry_after=None):
        error = super().get_provider_error(data, stage=stage, status_code=status_code, retry_after=retry_after)
        if error is not None and isinstance(data, dict):
            # Only the ESIA-00xxxx code is kept for the page: the description arrives through the
            # browser's address bar and is not ours to display.
            error.context["esia_code"] = protocol.esia_code(str(data.get("error_description", "")))
        return error

    def process_error(self, data, *, stage="callback") -> None:
        error = self.get_provider_error(data, stage=stage)
        if error is not None:
            raise error

    # --- the callback --------------------------------------------------------------------------

    @handle_http_errors
    def auth_complete(self, *args, **kwargs):
        self.process_error(self.data)
        self.validate_state()
        code = self.data.get("code")
        if not code or not isinstance(code, str):
            raise AuthInputError(self, parameter="code", code="missing_parameter", stage="callback")

        params = self.token_params(code)
        with wrap_access_token_error(self):
            answer = self.get_json(
                self.access_token_url(),
                method="POST",
                data=params,
                headers=self.auth_headers(),
                timeout=settings.ESIA_TIMEOUT_SECONDS,
                stage="token_exchange",
            )
        if not isinstance(answer, dict):
            raise AuthResponseError(self, code="malformed_response", stage="token_exchange")
        self.process_error(answer, stage="token_exchange")
        if answer.get("state") != params["state"]:
            raise AuthResponseError(self, code="invalid_claim", claim="state", stage="token_exchange")
        access_token = self.get_access_token(answer)
        id_token = answer.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise AuthResponseError(self, code="missing_claim", claim="id_token", stage="token_exchange")
        claims = tokens.decode_id_token(id_token, audience=self.client_id(), issuer=settings.ESIA_ISSUER, backend=self)

        response = {"oid": claims["sub"], **self.user_data(access_token, oid=claims["sub"])}
        kwargs.update({"response": response, "backend": self})
        return self.strategy.authenticate(*args, **kwargs)

    def user_data(self, access_token: str, *args, oid: str = "", **kwargs) -> dict[str, Any]:
        """The person, their contacts and their children, each with embedded elements."""
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        base = f"{self.host()}/rs/prns/{oid}"

        def fetch(url: str, **params) -> dict:
            data = self.get_json(url, headers=headers, params=params or None, timeout=settings.ESIA_TIMEOUT_SECONDS)
            if not isinstance(data, dict):
                raise AuthResponseError(self, code="malformed_response", stage="user_info")
            return data

        return {
            "person": fetch(base),
            "contacts": fetch(f"{base}/ctts", embed="(elements)"),
            "kids": fetch(f"{base}/kids", embed="(elements)"),
        }

    # --- what the pipeline reads ---------------------------------------------------------------

    def person(self, response: dict) -> protocol.EsiaPerson:
        return protocol.parse_person(
            response["oid"], response["person"], response.get("contacts"), response.get("kids")
        )

    def get_user_id(self, details, response) -> str:
        return str(response["oid"])

    def get_user_details(self, response) -> dict[str, str]:
        person = self.person(response)
        return {
            "username": f"esia-{person.oid}",
            "email": person.email,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "fullname": " ".join(p for p in (person.last_name, person.first_name, person.middle_name) if p),
        }

    def extra_data(self, user, uid, response, details, pipeline_kwargs) -> dict[str, Any]:
        # Only the time of the last sign-in (BaseAuth's part); no tokens (see the module docstring).
        return BaseAuth.extra_data(self, user, uid, response, details, pipeline_kwargs)
