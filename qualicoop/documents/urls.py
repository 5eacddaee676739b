"""The documents' addresses, each in the area it belongs to.

Included once from the site's URLconf at its root. The workspace's and the
federation's downloads sit in namespaces named after their area
(``documents:workspace:…``, ``documents:federation:…``): the rules that follow
the area of an address — no browser stores its pages — hold for them as for
the area's own pages.
"""

from django.urls import include, path

from . import views

app_name = "documents"

workspace_patterns = [
    path("<slug:slug>/document.pdf", views.workspace_pdf, name="pdf"),
    path("<slug:slug>/document-de-travail/", views.working, name="working"),
    path("<slug:slug>/document-de-travail.pdf", views.working_pdf, name="working_pdf"),
]

federation_patterns = [
    path("synthese/", views.synthesis, name="synthesis"),
    path("synthese/demander/", views.synthesis_request, name="synthesis_request"),
    path("synthese/<int:pk>/synthese.pdf", views.synthesis_pdf, name="synthesis_pdf"),
    path("synthese/<int:pk>/synthese.xlsx", views.synthesis_xlsx, name="synthesis_xlsx"),
]

urlpatterns = [
    path("cooperatives/<slug:slug>/quali-coop.pdf", views.cooperative_pdf, name="cooperative_pdf"),
    path("espace/", include((workspace_patterns, "workspace"))),
    path("federation/", include((federation_patterns, "federation"))),
]
