"""The API's documentation page, in French, rendered from its OpenAPI description."""

from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import render

from qualicoop.lib import public_cache

from .openapi import openapi_schema
from .views import PAGE_SIZE, PAGE_SIZE_MAX, read_only


@dataclass(frozen=True)
class Endpoint:
    """One documented operation, with its references resolved, for the docs page."""

    anchor: str
    path: str
    method: str
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
        method, operation = next(iter(item.items()))
        success = "201" if "201" in operation["responses"] else "200"
        ok = resolve(operation["responses"][success]["content"]["application/json"]["schema"])
        paginated = "results" in ok["properties"]
        shown = resolve(ok["properties"]["results"]["items"]) if paginated else ok
        found.append(
            Endpoint(
                method=method.upper(),
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
