"""ESIA's endpoints, locally: /aas/oauth2/v2/ac (a person picker), /aas/oauth2/v3/te, /rs/prns/…"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db.models import Count, Q
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from esia import protocol
from esia_standin import services
from esia_standin.models import Person

PICKER_SIZE = 30
FORWARDED = (*services.REQUIRED, "response_type", "access_type")


def _back(redirect_uri: str, **params: str) -> HttpResponseRedirect:
    separator = "&" if urlsplit(redirect_uri).query else "?"
    return HttpResponseRedirect(f"{redirect_uri}{separator}{protocol.encode_query(params)}")


@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request):
    """GET: ESIA's sign-in page, here a list of the demo people; POST: the person chosen (or refused)."""
    params = request.GET if request.method == "GET" else request.POST
    # A picker open for a while is still fine: the time was checked when the page was first shown.
    problem = services.check_request(params, check_time=request.method == "GET", portal_host=request.get_host())
    if problem is None and params.get("response_type") != "code":
        problem = services.Problem("ESIA-007003")
    if problem is not None:
        if problem.redirectable:
            return _back(
                params["redirect_uri"],
                error=problem.error,
                error_description=problem.description,
                state=params["state"],
            )
        return render(request, "esia_standin/error.html", {"problem": problem}, status=400)

    if request.method == "POST":
        if "deny" in request.POST:
            refused = services.Problem("ESIA-007004")
            return _back(
                params["redirect_uri"],
                error=refused.error,
                error_description=refused.description,
                state=params["state"],
            )
        person = Person.objects.filter(oid=request.POST.get("oid", "")).first()
        if person is not None:
            code = services.issue_code(
                oid=person.oid,
                client_id=params["client_id"],
                redirect_uri=params["redirect_uri"],
                scope=params["scope"],
            )
            return _back(params["redirect_uri"], code=code, state=params["state"])

    services.ensure_loaded()
    query = request.GET.get("q", "").strip()
    people = Person.objects.annotate(kid_count=Count("kids"))
    if query:
        people = people.filter(
            Q(last_name__icontains=query) | Q(first_name__icontains=query) | Q(middle_name__icontains=query)
        )
    return render(
        request,
        "esia_standin/authorize.html",
        {
            "people": people.prefetch_related("kids")[:PICKER_SIZE],
            "total": people.count(),
            "query": query,
            "forwarded": [(name, params.get(name, "")) for name in FORWARDED],
        },
    )


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": code, "error_description": message}, status=status)


@csrf_exempt  # a server-to-server POST, authenticated by its client_secret signature
@require_POST
def token(request):
    params = request.POST

    def refuse(code: str, status: int = 400) -> JsonResponse:
        problem = services.Problem(code)
        return JsonResponse(
            {"error": problem.error, "error_description": problem.description, "state": params.get("state", "")},
            status=status,
        )

    if params.get("grant_type") != "authorization_code":
        return refuse("ESIA-007012")
    code = params.get("code", "")
    grant = services.read_code(code) if code else None
    if grant is None:
        return refuse("ESIA-007011")
    problem = services.check_request(params, code=code)
    if problem is not None:
        return refuse(problem.code, 401 if problem.error == "invalid_client" else 400)
    if grant["client_id"] != params["client_id"] or grant["redirect_uri"] != params["redirect_uri"]:
        return refuse("ESIA-007011")
    if not services.use_code(code):
        return refuse("ESIA-007011")
    return JsonResponse(
        services.token_response(
            oid=grant["oid"], client_id=params["client_id"], scope=grant["scope"], state=params["state"]
        )
    )


def _person_for(request, oid: str):
    subject = services.bearer_subject(request.headers.get("Authorization", ""))
    if subject is None:
        return None, _error(401, "invalid_token", "ESIA-005011: Access token is missing, invalid or expired")
    if subject != oid:
        return None, _error(403, "insufficient_scope", "ESIA-005014: The token does not grant access to this person")
    person = Person.objects.filter(oid=oid).first()
    if person is None:
        return None, _error(404, "not_found", "ESIA-005001: Person not found")
    return person, None


def _base(request, oid: str) -> str:
    return request.build_absolute_uri(reverse("esia_standin:person", args=[oid]))


def _embedded(request) -> bool:
    return request.GET.get("embed") == "(elements)"


@require_GET
def person(request, oid: str):
    found, refusal = _person_for(request, oid)
    return refusal or JsonResponse(services.person_json(found))


@require_GET
def contacts(request, oid: str):
    found, refusal = _person_for(request, oid)
    return refusal or JsonResponse(services.contacts_json(found, base=_base(request, oid), embed=_embedded(request)))


@require_GET
def kids(request, oid: str):
    found, refusal = _person_for(request, oid)
    return refusal or JsonResponse(services.kids_json(found, base=_base(request, oid), embed=_embedded(request)))
