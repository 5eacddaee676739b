"""The open-data page and its downloads: the files written ahead (the projects one filter
keeps included), or the projects several filters keep, streamed; the DCAT catalogue.

Open to anyone, anonymous included, and to any web page (CORS): published
content only (``opendata``).
"""

import json

from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from qualicoop.lib.public_cache import public_page

from . import opendata, opendata_files
from .opendata_catalogue import distributions, schema_org_datasets
from .project_filters import ProjectFilterForm
from .structured_data import json_ld


@public_page()
@require_safe
def opendata_page(request):
    """Anyone: what may be downloaded, under which licence, with which fields."""
    return render(
        request,
        "discovery/opendata.html",
        {
            "fields": opendata.FIELDS,
            "datasets": [
                {
                    "dataset": dataset,
                    "downloads": distributions(dataset),
                    "schemas": [
                        reverse("discovery:opendata_schema", args=[dataset.slug]),
                        reverse("discovery:opendata_schema_comma", args=[dataset.slug]),
                    ],
                }
                for dataset in opendata.DATASETS.values()
            ],
            "licence_name": opendata.LICENCE_NAME,
            "licence_url": opendata.LICENCE_URL,
            "licence_id": opendata.LICENCE_ID,
            "data_package": reverse("discovery:opendata_datapackage"),
            "structured_data": json_ld(schema_org_datasets(opendata_files.written_files())),
        },
    )


def _open_to_all(response):
    # Public, anonymous data: any web page may fetch it.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _filtered(request):
    return any(request.GET.get(name) for name in ProjectFilterForm.base_fields)


def _filtered_projects(request, kind):
    """The projects a filter of the projects page keeps: written ahead for one filter of a
    few known values (``opendata_files.FILTERS``), streamed for the others (a file per
    search would be one file per query)."""
    form = ProjectFilterForm(request.GET, shown=False)
    if not form.is_valid():
        if kind == "json":
            return _open_to_all(
                JsonResponse(
                    {"detail": form.error_summary()},
                    status=400,
                    json_dumps_params={"ensure_ascii": False},
                )
            )
        return HttpResponseBadRequest(
            form.error_summary(), content_type="text/plain; charset=utf-8"
        )
    dataset, values = opendata.PROJECTS, form.served_values()
    form_of = opendata_files.KINDS[kind]
    name = opendata_files.file_name(dataset.slug, kind)
    download_as = f"qualicoop-{name}" if form_of.attachment else None
    written = opendata_files.filtered_file(values, kind)
    if written is not None and opendata_files.is_written(dataset.slug, written):
        return opendata_files.serve(
            request,
            dataset.slug,
            written,
            content_type=form_of.content_type,
            download_as=download_as,
        )
    return opendata_files.serve_streamed(
        request,
        lambda: dataset.layout(kind).chunks(
            dataset.records(form.apply(opendata.published_projects()))
        ),
        asked=json.dumps([kind, values], sort_keys=True, default=str),
        content_type=form_of.content_type,
        download_as=download_as,
    )


def _download(request, slug, kind):
    """One file of a dataset, as written ahead (``opendata_files``).

    The projects' CSV and JSON take the filters of the projects page too.
    """
    if slug == opendata.PROJECTS.slug and kind in opendata_files.DATA_KINDS and _filtered(request):
        return _filtered_projects(request, kind)
    name = opendata_files.file_name(slug, kind)
    form = opendata_files.KINDS[kind]
    return opendata_files.serve(
        request,
        slug,
        name,
        content_type=form.content_type,
        download_as=f"qualicoop-{name}" if form.attachment else None,
    )


@require_safe
def opendata_csv(request):
    """Anyone: the published projects as CSV (French convention), with the page's filters."""
    return _download(request, opendata.PROJECTS.slug, "csv")


@require_safe
def opendata_json(request):
    """Anyone: the published projects as JSON, with the filters of the projects page."""
    return _download(request, opendata.PROJECTS.slug, "json")


@require_safe
def opendata_dataset_csv(request, dataset):
    """Anyone: a dataset as CSV, in the French convention (";", UTF-8 with a BOM)."""
    return _download(request, dataset, "csv")


@require_safe
def opendata_dataset_csv_comma(request, dataset):
    """Anyone: a dataset as CSV with commas (UTF-8, no BOM)."""
    return _download(request, dataset, "csv-virgule")


@require_safe
def opendata_dataset_json(request, dataset):
    """Anyone: a dataset as JSON, with its licence."""
    return _download(request, dataset, "json")


@require_safe
def opendata_schema(request, dataset):
    """Anyone: the Table Schema of a dataset's CSV in the French convention."""
    return _download(request, dataset, "schema")


@require_safe
def opendata_schema_comma(request, dataset):
    """Anyone: the Table Schema of a dataset's CSV with commas (and of its JSON's records)."""
    return _download(request, dataset, "schema-virgule")


@require_safe
def opendata_datapackage(request):
    """Anyone: the Data Package (Frictionless) of every CSV, its schema and dialect."""
    return opendata_files.serve(
        request,
        opendata_files.CATALOGUE,
        opendata_files.DATA_PACKAGE_FILE,
        content_type=opendata_files.DATA_PACKAGE_TYPE,
    )


@require_safe
def opendata_catalogue(request):
    """Anyone (data portals): the DCAT catalogue of every dataset, in JSON-LD."""
    return opendata_files.serve(
        request,
        opendata_files.CATALOGUE,
        opendata_files.CATALOGUE_FILE,
        content_type=opendata_files.CATALOGUE_TYPE,
    )
