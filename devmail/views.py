"""`/dev/mail/`: what the portal sent. Open to anyone: the app exists only in development."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from devmail.mailbox import mail_get, mail_list


@never_cache
@require_GET
def mail_index(request: HttpRequest) -> HttpResponse:
    return render(request, "devmail/index.html", {"mails": mail_list()})


@never_cache
@require_GET
def mail_detail(request: HttpRequest, name: str) -> HttpResponse:
    mail = mail_get(name=name)
    if mail is None:
        raise Http404
    return render(request, "devmail/detail.html", {"mail": mail})
