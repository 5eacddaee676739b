"""The read-only JSON API of the published data, and its OpenAPI 3.0 description.

Plain Django views, open to anyone, read-only: any method but GET and HEAD is a
JSON 405. Lists are paginated (``page``, ``page_size`` up to 100) as
``{"count", "next", "previous", "results"}``; a bad parameter is a 400 and an
unknown object a 404, both as ``{"detail": "…"}`` in French. Links are
absolute, on ``SITE_URL``. Only published data is served: a cooperative without
a published selection, or a project outside one, does not exist here.

``openapi_schema()`` describes exactly these endpoints; the documentation page
is rendered from it and a test calls every path it documents, so that the
description and the API cannot drift apart.
"""

from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, F
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from commitments.models import Choice, Engagement, Project, published_cooperatives
from qualicoop.lib import public_cache
from qualicoop.lib.absolute_urls import absolute_url
from qualicoop.public import opendata
from qualicoop.public.search import QUERY_MAX, SEARCH_LIMIT, ProjectFilterForm

PAGE_SIZE = 20
PAGE_SIZE_MAX = 100
API_VERSION = "1.0.0"
ALLOWED_METHODS = ("GET", "HEAD")
LICENCE_LINK = f'<{opendata.LICENCE_URL}>; rel="license"'


class ApiError(Exception):
    def __init__(self, status, detail):
        super().__init__(detail)
        self.status = status
        self.detail = detail


class ApiRedirect(ApiError):
    """The object asked for lives at ``location`` now, for good (301)."""

    def __init__(self, location, detail):
        super().__init__(301, detail)
        self.location = location


def _json(data, status=200):
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
            response = _json(
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
            return _json(view(request, *args, **kwargs))
        except ApiError as error:
            response = _json({"detail": error.detail}, status=error.status)
            if isinstance(error, ApiRedirect):
                response["Location"] = error.location
            return response

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
        record["url"] = absolute_url(
            reverse("public:cooperative", args=[record["cooperative_slug"]])
            + f"#engagement-{record['engagement_numero']}"
        )
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


# --- OpenAPI -----------------------------------------------------------------------


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties):
    """A closed object schema: every property required, no other allowed."""
    return {
        "type": "object",
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties,
    }


def _string(description, **extra):
    return {"type": "string", "description": description, **extra}


def _integer(description, **extra):
    return {"type": "integer", "description": description, **extra}


def _paginated(item):
    return _object(
        {
            "count": _integer(_("Nombre total de résultats."), minimum=0),
            "next": _string(
                _("Adresse de la page suivante, ou null."), format="uri", nullable=True
            ),
            "previous": _string(
                _("Adresse de la page précédente, ou null."), format="uri", nullable=True
            ),
            "licence": _ref("Licence"),
            "results": {"type": "array", "items": _ref(item)},
        }
    )


def _field_schema(field):
    schema = {"type": field.type, "description": str(field.description)}
    if field.nullable:
        schema["nullable"] = True
    if field.format:
        schema["format"] = field.format
    if field.enum:
        schema["enum"] = list(field.enum)
    return schema


def _fields_schema(fields, **more):
    return _object({field.name: _field_schema(field) for field in fields} | more)


def _project_schema():
    return _fields_schema(
        opendata.FIELDS,
        url=_string(_("Page publique de la coopérative, à l'engagement du projet."), format="uri"),
        indicateurs_chiffres={
            "type": "array",
            "description": _("Les indicateurs chiffrés du projet, avec leurs valeurs mesurées."),
            "items": _ref("IndicateurChiffre"),
        },
        points_etape={
            "type": "array",
            "description": _("Les points d'étape publiés, du plus ancien au plus récent."),
            "items": _ref("PointEtape"),
        },
    )


def _progress_schemas():
    return {
        "IndicateurChiffre": _fields_schema(
            opendata.nested_fields(opendata.INDICATORS),
            mesures={
                "type": "array",
                "description": _(
                    "Les valeurs mesurées publiées, de la plus ancienne à la plus récente."
                ),
                "items": _ref("Mesure"),
            },
        ),
        "Mesure": _fields_schema(opendata.nested_fields(opendata.MEASUREMENTS)),
        "PointEtape": _fields_schema(opendata.nested_fields(opendata.UPDATES)),
        "Licence": _object(
            {
                "id": _string(_("Identifiant SPDX de la licence.")),
                "nom": _string(_("Nom de la licence.")),
                "url": _string(_("Texte de la licence."), format="uri"),
            }
        ),
    }


def _parameter(name, where, description, schema, required=False):
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "description": description,
        "schema": schema,
    }


def _responses(schema_name, *, not_found=False, bad_request=False):
    responses = {
        "200": {
            "description": _("Succès."),
            "headers": {
                "Link": {
                    "description": _(
                        'La licence des données, en lien rel="license" : la Licence Ouverte 2.0.'
                    ),
                    "schema": {"type": "string", "example": LICENCE_LINK},
                }
            },
            "content": {"application/json": {"schema": _ref(schema_name)}},
        }
    }
    error = {"content": {"application/json": {"schema": _ref("Erreur")}}}
    if bad_request:
        responses["400"] = {"description": _("Paramètre invalide."), **error}
    if not_found:
        responses["404"] = {"description": _("Introuvable."), **error}
    return responses


def openapi_schema(server_url):
    """The OpenAPI 3.0 description of the API, served from ``server_url``."""
    pagination = [
        {"$ref": "#/components/parameters/page"},
        {"$ref": "#/components/parameters/page_size"},
    ]
    filters = [
        {"$ref": "#/components/parameters/q"},
        {"$ref": "#/components/parameters/pilier"},
        {"$ref": "#/components/parameters/engagement"},
        {"$ref": "#/components/parameters/cooperative"},
        {"$ref": "#/components/parameters/exemplaire"},
        {"$ref": "#/components/parameters/etape"},
    ]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "API Quali'Coop",
            "version": API_VERSION,
            "description": _(
                "Les données publiées de la démarche Quali'Coop des coopératives Hlm : "
                "les 12 engagements, les coopératives qui ont publié leur sélection et "
                "leurs projets, avec leurs indicateurs et leurs points d'étape. Lecture "
                "seule, sans authentification, sous Licence Ouverte 2.0 (etalab-2.0)."
            ),
            "license": {"name": opendata.LICENCE_NAME, "url": opendata.LICENCE_URL},
            "x-licence-id": opendata.LICENCE_ID,
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/api/engagements/": {
                "get": {
                    "operationId": "listEngagements",
                    "summary": _("Les engagements"),
                    "description": _(
                        "Les 12 engagements, avec le nombre de coopératives qui les ont "
                        "choisis et de projets publiés."
                    ),
                    "parameters": pagination,
                    "responses": _responses("PageEngagements", bad_request=True),
                }
            },
            "/api/engagements/{numero}/": {
                "get": {
                    "operationId": "getEngagement",
                    "summary": _("Un engagement"),
                    "description": _("Un engagement, par son numéro."),
                    "parameters": [
                        _parameter(
                            "numero",
                            "path",
                            _("Numéro de l'engagement, de 1 à 12."),
                            {"type": "integer", "minimum": 1, "maximum": 12},
                        )
                    ],
                    "responses": _responses("Engagement", not_found=True),
                }
            },
            "/api/cooperatives/": {
                "get": {
                    "operationId": "listCooperatives",
                    "summary": _("Les coopératives"),
                    "description": _("Les coopératives qui ont publié leur sélection."),
                    "parameters": pagination,
                    "responses": _responses("PageCooperatives", bad_request=True),
                }
            },
            "/api/cooperatives/{slug}/": {
                "get": {
                    "operationId": "getCooperative",
                    "summary": _("Une coopérative"),
                    "description": _(
                        "Une coopérative ayant publié sa sélection, par son identifiant."
                    ),
                    "parameters": [
                        _parameter(
                            "slug",
                            "path",
                            _("Identifiant de la coopérative."),
                            {"type": "string"},
                        )
                    ],
                    "responses": _responses("Cooperative", not_found=True),
                }
            },
            "/api/projets/": {
                "get": {
                    "operationId": "listProjects",
                    "summary": _("Les projets"),
                    "description": _(
                        "Les projets publiés, avec les filtres de la page Projets. "
                        "Avec une recherche, les plus pertinents d'abord."
                    ),
                    "parameters": filters + pagination,
                    "responses": _responses("PageProjets", bad_request=True),
                }
            },
            "/api/projets/{id}/": {
                "get": {
                    "operationId": "getProject",
                    "summary": _("Un projet"),
                    "description": _(
                        "Un projet publié, par son identifiant public, le même d'une version "
                        "de la sélection à l'autre. L'identifiant d'une version suivante, "
                        "publié auparavant, répond par une redirection permanente (301)."
                    ),
                    "parameters": [
                        _parameter(
                            "id",
                            "path",
                            _("Identifiant public du projet."),
                            {"type": "integer", "minimum": 1},
                        )
                    ],
                    "responses": _responses("Projet", not_found=True),
                }
            },
            "/api/reseau-en-chiffres/": {
                "get": {
                    "operationId": "listNetworkTotals",
                    "summary": _("Le réseau en chiffres"),
                    "description": opendata.NETWORK_TOTALS.description,
                    "parameters": pagination,
                    "responses": _responses("PageTotauxReseau", bad_request=True),
                }
            },
        },
        "components": {
            "parameters": {
                "page": _parameter(
                    "page",
                    "query",
                    _("Numéro de la page, à partir de 1."),
                    {"type": "integer", "minimum": 1, "default": 1},
                ),
                "page_size": _parameter(
                    "page_size",
                    "query",
                    _("Nombre de résultats par page, 100 au plus."),
                    {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": PAGE_SIZE_MAX,
                        "default": PAGE_SIZE,
                    },
                ),
                "q": _parameter(
                    "q",
                    "query",
                    _(
                        "Mots recherchés dans le titre, la description et les objectifs, "
                        "accents et majuscules indifférents. Une recherche s'arrête aux "
                        "%(limit)s premiers projets trouvés, classés par pertinence ; les "
                        "téléchargements de données ouvertes n'ont pas cette limite."
                    )
                    % {"limit": SEARCH_LIMIT},
                    {"type": "string", "maxLength": QUERY_MAX},
                ),
                "pilier": _parameter(
                    "pilier",
                    "query",
                    _("Numéro du pilier."),
                    {"type": "integer", "enum": [1, 2, 3]},
                ),
                "engagement": _parameter(
                    "engagement",
                    "query",
                    _("Numéro de l'engagement."),
                    {"type": "integer", "minimum": 1, "maximum": 12},
                ),
                "cooperative": _parameter(
                    "cooperative",
                    "query",
                    _("Identifiant de la coopérative."),
                    {"type": "string"},
                ),
                "exemplaire": _parameter(
                    "exemplaire",
                    "query",
                    _("1 : les projets exemplaires seulement ; 0 : les autres."),
                    {"type": "integer", "enum": [0, 1]},
                ),
                "etape": _parameter(
                    "etape",
                    "query",
                    _("Les projets à cette étape (voir le champ etape)."),
                    {"type": "string", "enum": list(opendata.STAGES)},
                ),
            },
            "schemas": {
                "Erreur": _object({"detail": _string(_("Ce qui ne va pas, en français."))}),
                "Engagement": _object(
                    {
                        "numero": _integer(_("Numéro, de 1 à 12.")),
                        "titre": _string(_("Intitulé.")),
                        "description": _string(_("Description.")),
                        "pilier_numero": _integer(_("Numéro du pilier, de 1 à 3.")),
                        "pilier_nom": _string(_("Nom du pilier.")),
                        "nombre_cooperatives": _integer(
                            _("Nombre de coopératives qui l'ont choisi.")
                        ),
                        "nombre_projets": _integer(_("Nombre de projets publiés.")),
                        "url": _string(_("Page publique de l'engagement."), format="uri"),
                        "projets": _string(_("Adresse API de ses projets."), format="uri"),
                    }
                ),
                "Cooperative": _object(
                    {
                        "slug": _string(_("Identifiant.")),
                        "nom": _string(_("Nom.")),
                        "region": _string(_("Région (peut être vide).")),
                        "site_web": _string(_("Site web (peut être vide).")),
                        "presentation": _string(_("Présentation (peut être vide).")),
                        "campagne": _string(_("Campagne de la sélection publiée.")),
                        "engagements": {
                            "type": "array",
                            "description": _("Numéros des engagements choisis."),
                            "items": {"type": "integer"},
                        },
                        "nombre_projets": _integer(_("Nombre de projets publiés.")),
                        "url": _string(_("Page publique de la coopérative."), format="uri"),
                        "projets": _string(_("Adresse API de ses projets."), format="uri"),
                    }
                ),
                "Projet": _project_schema(),
                **_progress_schemas(),
                "PageEngagements": _paginated("Engagement"),
                "PageCooperatives": _paginated("Cooperative"),
                "PageProjets": _paginated("Projet"),
                "TotalReseau": _fields_schema(opendata.NETWORK_FIELDS),
                "PageTotauxReseau": _paginated("TotalReseau"),
            },
        },
    }


@public_cache.public_page()
@read_only
def openapi(request):
    """Anyone: the machine-readable OpenAPI 3.0 description of the API."""
    return _json(openapi_schema(settings.SITE_URL))


@dataclass(frozen=True)
class Endpoint:
    """One documented operation, with its references resolved, for the docs page."""

    anchor: str
    path: str
    summary: str
    description: str
    parameters: list
    fields: list  # (name, type, description) of the returned object
    paginated: bool
    statuses: list  # (code, description)


def endpoints(schema):
    """The operations of ``schema``, as the documentation page lists them."""

    def resolve(node):
        if "$ref" not in node:
            return node
        target = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return resolve(target)

    found = []
    for path, item in schema["paths"].items():
        operation = item["get"]
        ok = resolve(operation["responses"]["200"]["content"]["application/json"]["schema"])
        paginated = "results" in ok["properties"]
        shown = resolve(ok["properties"]["results"]["items"]) if paginated else ok
        found.append(
            Endpoint(
                anchor=operation["operationId"],
                path=path,
                summary=operation["summary"],
                description=operation["description"],
                parameters=[resolve(parameter) for parameter in operation["parameters"]],
                fields=[
                    (name, prop.get("format") or prop["type"], prop.get("description", ""))
                    for name, prop in shown["properties"].items()
                ],
                paginated=paginated,
                statuses=[
                    (code, response["description"])
                    for code, response in operation["responses"].items()
                ],
            )
        )
    return found


# The objects inside a project, documented after the endpoints.
NESTED_SCHEMAS = ("IndicateurChiffre", "Mesure", "PointEtape")


@public_cache.public_page()
@read_only
def docs(request):
    """Anyone: the API's documentation, in French, rendered from its OpenAPI description."""
    server_url = settings.SITE_URL
    schema = openapi_schema(server_url)
    return render(
        request,
        "discovery/api_docs.html",
        {
            "info": schema["info"],
            "server_url": server_url,
            "endpoints": endpoints(schema),
            "nested": [
                (
                    name,
                    [
                        (field, prop.get("format") or prop["type"], prop.get("description", ""))
                        for field, prop in schema["components"]["schemas"][name][
                            "properties"
                        ].items()
                    ],
                )
                for name in NESTED_SCHEMAS
            ],
            "page_size": PAGE_SIZE,
            "page_size_max": PAGE_SIZE_MAX,
        },
    )
