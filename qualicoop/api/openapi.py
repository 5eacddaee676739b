"""The OpenAPI 3.0 description of the API (``views.py``), and its address.

It describes exactly the endpoints served; the documentation page is rendered
from it and a test calls every path it documents.
"""

from django.conf import settings
from django.utils.translation import gettext as _

from commitments.models import ProjectStatus
from qualicoop.lib import public_cache
from qualicoop.public import opendata
from qualicoop.public.project_filters import QUERY_MAX
from qualicoop.public.search import SEARCH_LIMIT

from .keys import REQUESTS_PER_MINUTE
from .views import LICENCE_LINK, PAGE_SIZE, PAGE_SIZE_MAX, json_response, read_only

API_VERSION = "1.0.0"


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
        url=_string(_("Page publique du projet."), format="uri"),
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


def _keyed_responses(success, schema_name, *, writes=False):
    """The answers of an endpoint of a cooperative's own figures, for its keys."""
    error = {"content": {"application/json": {"schema": _ref("Erreur")}}}
    responses = {
        success: {
            "description": _("Créé.") if writes else _("Succès."),
            "content": {"application/json": {"schema": _ref(schema_name)}},
        },
        "401": {
            "description": _("Clé absente, inconnue, expirée ou révoquée."),
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
            **error,
        },
        "403": {"description": _("La clé n'a pas la portée demandée."), **error},
        "404": {
            "description": _("Introuvable pour cette clé (une autre coopérative, par exemple)."),
            **error,
        },
        "429": {
            "description": _("Plus de %(limit)s requêtes par minute avec cette clé.")
            % {"limit": REQUESTS_PER_MINUTE},
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
            **error,
        },
    }
    if writes:
        responses["400"] = {
            "description": _("Données invalides : les messages par champ, en français."),
            "content": {"application/json": {"schema": _ref("ErreurChamps")}},
        }
        responses["409"] = {
            "description": _("Refusé dans l'état actuel (sélection en relecture, par exemple)."),
            **error,
        }
    return responses


def _keyed(operation_id, summary, description, parameters, responses, body=None):
    operation = {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "security": [{"cle": []}],
        "parameters": parameters,
        "responses": responses,
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return operation


def _own_data_schemas():
    """The objects of a cooperative's own figures: read and written with a key."""
    number = {"type": "string", "nullable": True}
    date = {"type": "string", "format": "date", "nullable": True}
    measurement = _object(
        {
            "id": _integer(_("Identifiant de la valeur.")),
            "valeur": _string(_("Valeur mesurée, en chiffres avec un point décimal.")),
            "date": _string(_("Date de la mesure."), format="date"),
            "commentaire": _string(_("Commentaire ou source (peut être vide).")),
            "point_d_etape": _integer(
                _("Le point d'étape qui l'a donnée, ou null."), nullable=True
            ),
        }
    )
    indicator = _object(
        {
            "id": _integer(_("Identifiant de l'indicateur (pour y écrire une valeur).")),
            "nom": _string(_("Nom.")),
            "unite": _string(_("Unité (peut être vide).")),
            "valeur_depart": {**number, "description": _("Valeur de départ, ou null.")},
            "date_depart": {**date, "description": _("Date de la valeur de départ, ou null.")},
            "cible": {**number, "description": _("Valeur cible, ou null.")},
            "date_cible": {**date, "description": _("Échéance de la cible, ou null.")},
            "mesures": {"type": "array", "items": _ref("MesureCooperative")},
        }
    )
    project = _object(
        {
            "id": _integer(_("Identifiant du projet (pour un point d'étape, s'il est validé).")),
            "titre": _string(_("Titre.")),
            "description": _string(_("Description.")),
            "echeance": {**date, "description": _("Échéance visée, ou null.")},
            "indicateurs": {"type": "array", "items": _ref("IndicateurCooperative")},
        }
    )
    engagement = _object(
        {
            "numero": _integer(_("Numéro, de 1 à 12.")),
            "titre": _string(_("Intitulé.")),
            "projets": {"type": "array", "items": _ref("ProjetCooperative")},
        }
    )
    text = {"type": "string"}
    return {
        "ErreurChamps": _object(
            {
                "detail": _string(_("Ce qui ne va pas, en français.")),
                "erreurs": {
                    "type": "object",
                    "description": _("Les messages de chaque champ refusé."),
                    "additionalProperties": {"type": "array", "items": text},
                },
            }
        ),
        "MesureCooperative": measurement,
        "IndicateurCooperative": indicator,
        "ProjetCooperative": project,
        "EngagementCooperative": engagement,
        "SelectionCooperative": _object(
            {
                "cooperative": _string(_("Identifiant de la coopérative.")),
                "campagne": _string(_("Campagne en cours.")),
                "revision": _integer(_("Révision de la sélection (1, puis 2 après réouverture…).")),
                "statut": _string(_("État de la sélection (draft, submitted, validated…).")),
                "statut_libelle": _string(_("Cet état, en français.")),
                "engagements": {"type": "array", "items": _ref("EngagementCooperative")},
            }
        ),
        "MesureEnvoyee": {
            "type": "object",
            "required": ["value", "measured_on"],
            "properties": {
                "value": _string(
                    _("Valeur mesurée : « 1250.5 » ou « 1 250,5 »."), example="1250.5"
                ),
                "measured_on": _string(_("Date de la mesure, pas dans le futur."), format="date"),
                "comment": _string(_("Facultatif. D'où vient le chiffre."), maxLength=500),
            },
        },
        "PointEtapeEnvoye": {
            "type": "object",
            "required": ["status", "text", "happened_on"],
            "description": _(
                "Les champs du formulaire « Point d'étape » ; pour chaque indicateur du "
                "projet, value_<id> (une nouvelle valeur) et comment_<id> (sa source)."
            ),
            "properties": {
                "status": _string(_("Où en est le projet."), enum=list(ProjectStatus.values)),
                "reason": _string(
                    _("La raison, obligatoire si le projet est reporté ou abandonné.")
                ),
                "text": _string(_("Ce qui s'est passé.")),
                "happened_on": _string(_("Date du point d'étape."), format="date"),
                "send": {
                    "type": "boolean",
                    "description": _(
                        "true : envoyé à la fédération pour relecture ; sinon un brouillon."
                    ),
                },
            },
            "additionalProperties": {"type": "string"},
        },
        "PointEtapeEcrit": _object(
            {
                "id": _integer(_("Identifiant du point d'étape.")),
                "projet": _integer(_("Identifiant du projet.")),
                "etat": _string(_("État : draft, submitted ou published.")),
                "etat_libelle": _string(_("Cet état, en français.")),
                "valeurs": {"type": "array", "items": _ref("MesureCooperative")},
            }
        ),
    }


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
    slug = _parameter("slug", "path", _("Identifiant de la coopérative."), {"type": "string"})
    positive = {"type": "integer", "minimum": 1}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "API Quali'Coop",
            "version": API_VERSION,
            "description": _(
                "Les données publiées de la démarche Quali'Coop des coopératives Hlm : "
                "les 12 engagements, les coopératives qui ont publié leur sélection et "
                "leurs projets, avec leurs indicateurs et leurs points d'étape. Lecture "
                "seule, sans authentification, sous Licence Ouverte 2.0 (etalab-2.0). "
                "Avec une clé d'API, une coopérative lit aussi sa sélection en cours et "
                "y écrit ses valeurs mesurées et ses points d'étape."
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
            "/api/cooperatives/{slug}/selection/": {
                "get": _keyed(
                    "getOwnSelection",
                    _("La sélection en cours d'une coopérative (avec une clé)"),
                    _(
                        "Avec une clé de la coopérative ayant la portée « lire » : sa "
                        "sélection de la campagne en cours, brouillon compris, avec ses "
                        "engagements, projets, indicateurs et valeurs mesurées."
                    ),
                    [slug],
                    _keyed_responses("200", "SelectionCooperative"),
                )
            },
            "/api/cooperatives/{slug}/indicateurs/{id}/valeurs/": {
                "post": _keyed(
                    "createOwnMeasurement",
                    _("Une valeur mesurée (avec une clé)"),
                    _(
                        "Avec une clé ayant la portée « écrire les valeurs » : une valeur "
                        "mesurée d'un indicateur de la sélection en cours, tant qu'elle est "
                        "modifiable ; les mêmes règles que le formulaire de l'espace."
                    ),
                    [slug, _parameter("id", "path", _("Identifiant de l'indicateur."), positive)],
                    _keyed_responses("201", "MesureCooperative", writes=True),
                    body="MesureEnvoyee",
                )
            },
            "/api/cooperatives/{slug}/projets/{id}/points-d-etape/": {
                "post": _keyed(
                    "createOwnProgressUpdate",
                    _("Un point d'étape (avec une clé)"),
                    _(
                        "Avec une clé ayant la portée « écrire les valeurs » : un point "
                        "d'étape sur un projet de la sélection validée, en brouillon, ou "
                        "envoyé à la fédération (send) qui le relit avant publication."
                    ),
                    [slug, _parameter("id", "path", _("Identifiant du projet."), positive)],
                    _keyed_responses("201", "PointEtapeEcrit", writes=True),
                    body="PointEtapeEnvoye",
                )
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
            "securitySchemes": {
                "cle": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": _(
                        "Une clé d'API de la coopérative, créée par un référent dans son "
                        "espace (« Clés d'API ») : Authorization: Bearer qc_…"
                    ),
                }
            },
            "schemas": {
                **_own_data_schemas(),
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
    return json_response(openapi_schema(settings.SITE_URL))
