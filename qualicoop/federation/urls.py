from django.urls import path, re_path

from . import evidence, importing, progress
from . import views as federation

app_name = "federation"
urlpatterns = [
    path("", federation.queue, name="queue"),
    path("selections/<int:pk>/", federation.review, name="review"),
    path("selections/<int:pk>/decision/", federation.decide, name="decide"),
    path("selections/<int:pk>/rouvrir/", federation.reopen, name="reopen"),
    path("selections/<int:pk>/enregistrer/", federation.save_review, name="save_review"),
    path("selections/<int:pk>/notes/", federation.add_note, name="add_note"),
    path("reouvertures/<int:pk>/accepter/", federation.reopening_accept, name="reopening_accept"),
    path("reouvertures/<int:pk>/refuser/", federation.reopening_decline, name="reopening_decline"),
    path("cooperatives/<slug:slug>/rappel/", federation.remind, name="remind"),
    path("pieces/<int:pk>/", evidence.evidence_file, name="evidence_file"),
    path("pieces/<int:pk>/examen/", evidence.evidence_review, name="evidence_review"),
    path("tableau-de-bord/", federation.dashboard, name="dashboard"),
    path("import/", importing.import_cooperatives, name="import"),
    path(
        "import/modele.csv",
        importing.import_template,
        {"kind": "csv"},
        name="import_template_csv",
    ),
    path(
        "import/modele.xlsx",
        importing.import_template,
        {"kind": "xlsx"},
        name="import_template_xlsx",
    ),
    path("import/<int:pk>/", importing.import_job, name="import_job"),
    path("import/<int:pk>/importer/", importing.import_job_apply, name="import_job_apply"),
    path("points-etape/", progress.updates_queue, name="updates_queue"),
    path("points-etape/<int:pk>/", progress.update_review, name="update_review"),
    path("suivi/", progress.follow_up_dashboard, name="follow_up"),
    path("projets/<int:pk>/exemplaire/", progress.project_exemplary, name="project_exemplary"),
    re_path(
        r"^export/(?P<kind>selections|projets)\.(?P<fmt>csv|xlsx)$",
        federation.export,
        name="export",
    ),
]
