"""The page skeleton: home, language switch, login, error pages and the static assets of base.html."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.urls import reverse

from catalog.models import Direction

pytestmark = pytest.mark.django_db

RUSSIAN_DIRECTIONS = [
    "Техническая",
    "Естественнонаучная",
    "Физкультурно-спортивная",
    "Художественная",
    "Туристско-краеведческая",
    "Социально-гуманитарная",
]


def test_home_lists_the_six_directions_in_russian(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "Навигатор дополнительного образования" in html
    assert settings.PORTAL_REGION_NAME in html
    assert 'href="#main"' in html  # skip link
    assert [d.name for d in response.context["directions"]] == RUSSIAN_DIRECTIONS
    positions = [html.index(name) for name in RUSSIAN_DIRECTIONS]
    assert positions == sorted(positions)
    assert Direction.objects.count() == 6


def test_home_search_box_is_a_labelled_get_form_to_the_catalog(client):
    html = client.get("/").content.decode()

    form = re.search(r'<form class="portal-search" action="/catalog/" method="get"[^>]*>(.*?)</form>', html, re.S)
    assert form
    assert re.search(r'<label[^>]*for="search-q"[^>]*>Поиск по каталогу программ</label>', form.group(1))
    assert re.search(r'<input[^>]*id="search-q"[^>]*name="q"', form.group(1))


def test_anonymous_header_offers_login_and_no_cabinet(client):
    html = client.get("/").content.decode()

    assert reverse("login") in html
    assert "Личный кабинет" not in html


def test_logged_in_header_has_cabinet_and_post_logout_with_csrf(client, django_user_model):
    user = django_user_model.objects.create_user(username="teacher", password="s3cret-Passw0rd")
    client.force_login(user)

    html = client.get("/").content.decode()

    assert "Личный кабинет" in html
    logout = re.search(rf'<form action="{reverse("logout")}" method="post"[^>]*>(.*?)</form>', html, re.S)
    assert logout
    assert 'name="csrfmiddlewaretoken"' in logout.group(1)


def test_logout_by_post_signs_out(client, django_user_model):
    user = django_user_model.objects.create_user(username="teacher", password="s3cret-Passw0rd")
    client.force_login(user)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_switching_to_english_translates_the_header(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Extra-Curricular Education Navigator" in html
    assert "Catalog" in html
    assert "Навигатор дополнительного образования" not in html

    back = client.post(reverse("set_language"), {"language": "ru", "next": "/"}, follow=True)
    assert "Навигатор дополнительного образования" in back.content.decode()


def test_language_switcher_is_a_post_form_without_a_csrf_token(client):
    """Pages for anonymous visitors are cached and shared, so they carry no token (set_language is exempt)."""
    html = client.get("/").content.decode()

    form = re.search(
        rf'<form class="portal-lang" action="{reverse("set_language")}" method="post">(.*?)</form>', html, re.S
    )
    assert form
    assert 'name="csrfmiddlewaretoken"' not in form.group(1)
    assert 'value="ru"' in form.group(1) and "Русский" in form.group(1)
    assert 'value="en"' in form.group(1) and "English" in form.group(1)


def test_login_page_has_labelled_fields(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    html = response.content.decode()
    for field_id, label in (("id_username", "Имя пользователя"), ("id_password", "Пароль")):
        assert re.search(rf'<label[^>]*for="{field_id}"[^>]*>{label}</label>', html)
        assert f'id="{field_id}"' in html


def test_wrong_password_shows_a_russian_error(client, django_user_model):
    django_user_model.objects.create_user(username="teacher", password="s3cret-Passw0rd")

    response = client.post(reverse("login"), {"username": "teacher", "password": "wrong"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Неверное имя пользователя или пароль" in html
    assert "_auth_user_id" not in client.session


def test_right_password_signs_in(client, django_user_model):
    django_user_model.objects.create_user(username="teacher", password="s3cret-Passw0rd")

    response = client.post(reverse("login"), {"username": "teacher", "password": "s3cret-Passw0rd"})

    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_unknown_url_renders_the_portal_404(client, settings):
    settings.DEBUG = False

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Страница не найдена" in html
    assert "portal-header" in html and "portal-footer" in html
    assert settings.PORTAL_REGION_NAME in html


def test_500_template_renders_without_a_request_context():
    html = get_template("500.html").render({})

    assert "Ошибка сервера" in html


def test_403_template_renders_with_the_layout(rf):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/secret/")
    request.user = AnonymousUser()
    html = get_template("403.html").render({}, request)

    assert "Доступ запрещён" in html
    assert "portal-header" in html


def test_every_static_file_referenced_by_base_html_exists():
    source = Path(settings.BASE_DIR, "templates", "base.html").read_text(encoding="utf-8")
    referenced = re.findall(r"""{%\s*static\s+['"]([^'"]+)['"]\s*%}""", source)

    assert "css/portal.css" in referenced
    assert len(referenced) >= 4
    for path in referenced:
        assert finders.find(path), f"static file {path} referenced by base.html is not found"


def test_base_html_loads_nothing_from_other_hosts(client):
    html = client.get("/").content.decode()

    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_messages_are_announced_with_status_or_alert_roles(rf):
    from django.contrib import messages
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.base import Message

    request = rf.get("/")
    request.user = AnonymousUser()
    shown = [Message(messages.SUCCESS, "Заявка подана"), Message(messages.ERROR, "Мест больше нет")]

    html = get_template("core/home.html").render({"messages": shown, "directions": []}, request)

    assert re.search(r'<div class="alert alert-success" role="status">Заявка подана</div>', html)
    assert re.search(r'<div class="alert alert-danger" role="alert">Мест больше нет</div>', html)


def test_russian_is_shown_whatever_the_browser_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert response["Content-Language"] == "ru"
    assert "Навигатор дополнительного образования" in response.content.decode()
