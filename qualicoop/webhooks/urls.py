"""The webhooks' addresses, each in the area it belongs to (as the documents').

Included once from the site's URLconf at its root: ``webhooks:workspace:…``
under /espace/<slug>/, ``webhooks:federation:…`` under /federation/, so that
the rules of an area (no browser stores its pages) hold for them too.
"""

from django.urls import include, path

from . import views

app_name = "webhooks"

workspace_patterns = [
    path("<slug:slug>/webhooks/", views.workspace_list, name="list"),
    path("<slug:slug>/webhooks/<int:pk>/", views.workspace_detail, name="detail"),
    path("<slug:slug>/webhooks/<int:pk>/supprimer/", views.workspace_delete, name="delete"),
]

federation_patterns = [
    path("webhooks/", views.federation_list, name="list"),
    path("webhooks/<int:pk>/", views.federation_detail, name="detail"),
    path("webhooks/<int:pk>/supprimer/", views.federation_delete, name="delete"),
]

urlpatterns = [
    path("espace/", include((workspace_patterns, "workspace"))),
    path("federation/", include((federation_patterns, "federation"))),
]
