"""The read-only JSON API of the published data.

Plain Django views, open to anyone, read-only: any method but GET and HEAD is a
JSON 405. Lists are paginated (``page``, ``page_size`` up to 100) as
``{"count", "next", "previous", "results"}``; a bad parameter is a 400 and an
unknown object a 404, both as ``{"detail": "…"}`` in French. Links are
absolute, on ``SITE_URL``. Only published data is served: a cooperative without
a published selection, or a project outside one, does not exist here.

``openapi.py`` describes exactly these endpoints; the documentation page
(``docs.py``) is rendered from that description and a test calls every path it
documents, so that the description and the API cannot drift apart.
"""

from functools import wraps

from django.core.paginator import Paginator
from django.db.models import Count, F
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from commitments.models import Choice, Engagement, Project, published_cooperatives
from qualicoop.lib import public_cache
from qualicoop.lib.absolute_urls import absolute_url
from qualicoop.public import opendata
from qualicoop.public.project_filters import ProjectFilterForm
from qualicoop.public.search import SEARCH_LIMIT

PAGE_SIZE = 20
PAGE_SIZE_MAX = 100
ALLOWED_METHODS = ("GET", "HEAD")
LICENCE_LINK = f'<{opendata.LICENCE_URL}>; rel="license"'


class ApiError(Exception):
    """An answer other than 200: ``detail`` in French, ``errors`` by field, and headers."""

    def __init__(self, status, detail, *, errors=None, headers=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    def response(self):
        body = {"detail": self.detail}
        if self.errors is not None:
            body["erreurs"] = self.errors
        response = json_response(body, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


class ApiRedirect(ApiError):
    """The object asked for lives at ``location`` now, for good (301)."""

    def __init__(self, location, detail):
        super().__init__(301, detail, headers={"Location": location})


def json_response(data, status=200):
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    # Public, anonymous data: any web page may fetch it.
    response["Access-Control-Allow-Origin"] = "*"
    # Every answer says under which licence its data may be reused (RFC 8288).
    response["Link"] = LICENCE_LINK
    return response


def read_only(view):
    """The view, answering any method but GET and HEAD with the API's JSON 405.

    Exempt from CSRF protection: the API is anonymous and sets no cookie, so a
    forged request has no session to act with, and nothing here writes; the
    check would only answer a POST with the HTML page of a CSRF failure.
    """

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ALLOWED_METHODS:
            response = json_response(
                {
                    "detail": _(
                        "L'API est en lecture seule : seules les méthodes GET et HEAD "
                        "sont acceptées."
                    )
                },
                status=405,
            )
            response["Allow"] = ", ".join(ALLOWED_METHODS)
            return response
        return view(request, *args, **kwargs)

    return wrapper


def api_view(view):
    """A read-only API view whose ``ApiError`` becomes a JSON error response."""

    @read_only
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return json_response(view(request, *args, **kwargs))
        except ApiError as error:
            return error.response()

    return wrapper


def _positive_int(request, name, *, default, maximum=None):
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1 or (maximum is not None and value > maximum):
        if maximum is None:
            message = _("Le paramètre « %(name)s » doit être un entier positif.")
        else:
            message = _("Le paramètre « %(name)s » doit être un entier entre 1 et %(maximum)s.")
        raise ApiError(400, message % {"name": name, "maximum": maximum})
    return value


def _page_url(request, number):
    query = request.GET.copy()
    query["page"] = number
    return absolute_url(f"{request.path}?{query.urlencode()}")


def paginate(request, queryset, serialise, count=None):
    """One page of ``queryset`` as the API's list envelope; ``serialise`` takes the page's rows.

    ``count``, when the caller already knows it, spares a COUNT query.
    """
    page_size = _positive_int(request, "page_size", default=PAGE_SIZE, maximum=PAGE_SIZE_MAX)
    number = _positive_int(request, "page", default=1)
    paginator = Paginator(queryset, page_size)
    if count is not None:
        paginator.count = count
    if number > paginator.num_pages:
        raise ApiError(
            400,
            _("La page %(number)s n'existe pas : il y en a %(pages)s.")
            % {"number": number, "pages": paginator.num_pages},
        )
    page = paginator.page(number)
    public_cache.served(request, page=number, page_size=page_size)
    return {
        "count": paginator.count,
        "next": _page_url(request, number + 1) if page.has_next() else None,
        "previous": _page_url(request, number - 1) if page.has_previous() else None,
        "licence": opendata.LICENCE,
        "results": serialise(request, page.object_list),
    }


# --- Engagements -------------------------------------------------------------------


def _engagements():
    return Engagement.objects.select_related("pillar").with_published_counts().order_by("number")


def _engagement_records(request, engagements):
    projects_url = absolute_url(reverse("discovery:api_projects"))
    return [
        {
            "numero": engagement.number,
            "titre": engagement.title,
            "description": engagement.description,
            "pilier_numero": engagement.pillar.number,
            "pilier_nom": engagement.pillar.name,
            "nombre_cooperatives": engagement.cooperative_count,
            "nombre_projets": engagement.project_count,
            "url": absolute_url(engagement.get_absolute_url()),
            "projets": f"{projects_url}?engagement={engagement.number}",
        }
        for engagement in engagements
    ]


@public_cache.public_page("page", "page_size")
@api_view
def engagements(request):
    """Anyone: the 12 engagements, with how many cooperatives and projects carry each."""
    return paginate(request, _engagements(), _engagement_records)


@public_cache.public_page()
@api_view
def engagement(request, number):
    """Anyone: one engagement, by its number."""
    found = list(_engagements().filter(number=number))
    if not found:
        raise ApiError(
            404, _("Aucun engagement ne porte le numéro %(number)s.") % {"number": number}
        )
    return _engagement_records(request, found)[0]


# --- Cooperatives ------------------------------------------------------------------


def _cooperatives():
    return (
        published_cooperatives()
        .annotate(
            campaign_name=F("selections__campaign__name"),
            project_count=Count("selections__choices__projects", distinct=True),
        )
        .order_by("name", "pk")
    )


def _cooperative_records(request, cooperatives):
    cooperatives = list(cooperatives)
    chosen = {}
    for cooperative_pk, number in (
        Choice.objects.published()
        .filter(selection__cooperative__in=cooperatives)
        .order_by("engagement__number")
        .values_list("selection__cooperative_id", "engagement__number")
    ):
        chosen.setdefault(cooperative_pk, []).append(number)
    projects_url = absolute_url(reverse("discovery:api_projects"))
    return [
        {
            "slug": cooperative.slug,
            "nom": cooperative.name,
            "region": cooperative.region,
            "site_web": cooperative.website,
            "presentation": cooperative.description,
            "campagne": cooperative.campaign_name,
            "engagements": chosen.get(cooperative.pk, []),
            "nombre_projets": cooperative.project_count,
            "url": absolute_url(cooperative.get_absolute_url()),
            "projets": f"{projects_url}?cooperative={cooperative.slug}",
        }
        for cooperative in cooperatives
    ]


@public_cache.public_page("page", "page_size")
@api_view
def cooperatives(request):
    """Anyone: the cooperatives that published their selection."""
    return paginate(request, _cooperatives(), _cooperative_records)


@public_cache.public_page()
@api_view
def cooperative(request, slug):
    """Anyone: one cooperative with a published selection, by its slug."""
    found = list(_cooperatives().filter(slug=slug))
    if not found:
        raise ApiError(404, _("Aucune coopérative publiée ne porte cet identifiant."))
    return _cooperative_records(request, found)[0]


# --- Projects ----------------------------------------------------------------------


def _project_records(request, projects):
    records = [opendata.json_record(record) for record in opendata.records(projects)]
    # Their indicators, measured values and published updates: three queries.
    progress = opendata.progress_records(record["id"] for record in records)
    for record in records:
        # The project's own public page (its id is the public id the page answers to).
        record["url"] = absolute_url(reverse("public:project", args=[record["id"]]))
        record.update(progress[record["id"]])
    return records


@public_cache.public_page(*ProjectFilterForm.base_fields, "page", "page_size")
@api_view
def projects(request):
    """Anyone: the published projects, with the filters of the projects page."""
    form = ProjectFilterForm(request.GET)
    if not form.is_valid():
        raise ApiError(400, form.error_summary())
    public_cache.served(request, **form.served_values())
    if form.has_typed_text:
        public_cache.not_stored(request)
    found = form.apply(opendata.published_projects(), limit=SEARCH_LIMIT)
    return paginate(request, found, _project_records, count=form.found)


@public_cache.public_page()
@api_view
def project(request, pk):
    """Anyone: one published project, by its public id.

    The row id of one of its versions (an identifier published before
    projects had one identity) answers a permanent redirect to it.
    """
    found = _project_records(request, opendata.published_projects().filter(public_id=pk))
    if found:
        return found[0]
    identity = Project.objects.published().identity_of_row(pk)
    if identity is None:
        raise ApiError(404, _("Aucun projet publié ne porte l'identifiant %(pk)s.") % {"pk": pk})
    location = absolute_url(reverse("discovery:api_project", args=[identity]))
    raise ApiRedirect(
        location,
        _("Ce projet porte l'identifiant %(id)s : %(url)s") % {"id": identity, "url": location},
    )


# --- The network in figures -----------------------------------------------------------


def _network_records(request, records):
    return [opendata.json_record(record) for record in records]


@public_cache.public_page("page", "page_size")
@api_view
def network_totals(request):
    """Anyone: the catalogue indicators' totals per year, for the network and by group."""
    return paginate(request, list(opendata.NETWORK_TOTALS.records()), _network_records)


@api_view
def not_found(request, rest):
    """Anyone: a path under /api/ that is no endpoint."""
    raise ApiError(404, _("Cette adresse ne correspond à aucun point d'accès de l'API."))
