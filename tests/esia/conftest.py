"""Gosuslugi sign-in against the local stand-in served by pytest-django's live server.

The portal side is driven with Django's test client; the backend itself makes real HTTP requests
(token exchange, /rs/prns/…) to the stand-in on the live server, as it would to ESIA.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse

from esia_standin import services as standin


@pytest.fixture
def esia(live_server, settings):
    """ESIA is the stand-in on the live server (transactional database: both threads see the rows)."""
    settings.ESIA_HOST = f"{live_server.url}/esia-standin"
    return settings.ESIA_HOST


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@dataclass
class SignIn:
    """One sign-in, step by step: the portal's redirect to ESIA, the choice there, the way back."""

    client: object

    def start(self, **data) -> dict[str, str]:
        response = self.client.post(reverse("esia:login"), data)
        assert response.status_code == 302, response.content.decode()[:500]
        self.authorize_url = response["Location"]
        self.params = dict(parse_qsl(urlsplit(self.authorize_url).query))
        return self.params

    def picker(self, **query):
        """The stand-in's person picker (the test client reaches the live server's views by path)."""
        url = _path(self.authorize_url) + "".join(f"&{k}={v}" for k, v in query.items())
        return self.client.get(url)

    def choose(self, oid: str | None = None, *, deny: bool = False) -> str:
        data = {**self.params, **({"deny": "1"} if deny else {"oid": oid})}
        response = self.client.post(urlsplit(self.authorize_url).path, data)
        assert response.status_code == 302, response.content.decode()[:500]
        self.callback_url = response["Location"]
        return self.callback_url

    def back(self, url: str | None = None):
        """ESIA's redirect back to the portal; the portal exchanges the code over HTTP."""
        return self.client.get(_path(url or self.callback_url))

    def run(self, oid: str):
        self.start()
        self.choose(oid)
        return self.back()


@pytest.fixture
def sign_in(client, esia):
    def run(oid: str, *, municipality=None, as_client=None):
        flow = SignIn(as_client or client)
        response = flow.run(oid)
        if municipality is not None:
            assert response.status_code == 302 and response["Location"] == reverse("esia:municipality")
            flow.client.get(reverse("esia:municipality"))
            flow.client.post(reverse("esia:municipality"), {"municipality": municipality.pk})
            response = flow.client.get(reverse("esia:complete"))
        return response

    return run


@pytest.fixture
def tamper_id_token(monkeypatch):
    """Make the stand-in put different claims in its id_token: `tamper_id_token(lambda c: {...})`."""

    def apply(change):
        original = standin.id_token_claims
        monkeypatch.setattr(standin, "id_token_claims", lambda **kw: {**original(**kw), **change(original(**kw))})

    return apply
