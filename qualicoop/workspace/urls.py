from django.urls import path

from . import (
    api_keys,
    carry,
    evidence,
    indicators,
    owners,
    peers,
    profile,
    progress,
    spreadsheet,
    team,
)
from . import views as workspace

app_name = "workspace"
urlpatterns = [
    path("", workspace.home, name="home"),
    path("<slug:slug>/", workspace.dashboard, name="dashboard"),
    path("<slug:slug>/commencer/", workspace.start, name="start"),
    path("<slug:slug>/engagements/", workspace.choose, name="choose"),
    path("<slug:slug>/engagements/<int:number>/", workspace.engagement, name="engagement"),
    path(
        "<slug:slug>/engagements/<int:number>/projets/nouveau/",
        workspace.project_create,
        name="project_create",
    ),
    path("<slug:slug>/projets/<int:pk>/modifier/", workspace.project_edit, name="project_edit"),
    path(
        "<slug:slug>/projets/<int:pk>/supprimer/", workspace.project_delete, name="project_delete"
    ),
    path("<slug:slug>/projets/<int:pk>/porteurs/", owners.project_owners, name="project_owners"),
    path("<slug:slug>/projets/<int:pk>/deplacer/", workspace.project_move, name="project_move"),
    path("<slug:slug>/projets/<int:pk>/reconduction/", carry.project_carry, name="project_carry"),
    path("<slug:slug>/projets/<int:pk>/abandonner/", carry.project_drop, name="project_drop"),
    path(
        "<slug:slug>/projets/<int:pk>/indicateurs/nouveau/",
        indicators.indicator_create,
        name="indicator_create",
    ),
    path(
        "<slug:slug>/indicateurs/<int:pk>/modifier/",
        indicators.indicator_edit,
        name="indicator_edit",
    ),
    path(
        "<slug:slug>/indicateurs/<int:pk>/supprimer/",
        indicators.indicator_delete,
        name="indicator_delete",
    ),
    path(
        "<slug:slug>/indicateurs/<int:pk>/mesures/nouvelle/",
        indicators.measurement_create,
        name="measurement_create",
    ),
    path(
        "<slug:slug>/projets/<int:pk>/pieces/", evidence.project_evidence, name="project_evidence"
    ),
    path("<slug:slug>/pieces/<int:pk>/", evidence.evidence_file, name="evidence_file"),
    path("<slug:slug>/pieces/<int:pk>/retirer/", evidence.evidence_delete, name="evidence_delete"),
    path("<slug:slug>/soumettre/", workspace.submit, name="submit"),
    path("<slug:slug>/retirer/", workspace.withdraw, name="withdraw"),
    path("<slug:slug>/demander-reouverture/", workspace.ask_reopening, name="ask_reopening"),
    path("<slug:slug>/tableur/", spreadsheet.spreadsheet, name="spreadsheet"),
    path(
        "<slug:slug>/tableur/export.xlsx",
        spreadsheet.spreadsheet_export,
        name="spreadsheet_export",
    ),
    path(
        "<slug:slug>/tableur/import/",
        spreadsheet.spreadsheet_import_view,
        name="spreadsheet_import",
    ),
    path(
        "<slug:slug>/tableur/import/<int:pk>/",
        spreadsheet.spreadsheet_job,
        name="spreadsheet_job",
    ),
    path(
        "<slug:slug>/tableur/import/<int:pk>/importer/",
        spreadsheet.spreadsheet_job_apply,
        name="spreadsheet_job_apply",
    ),
    path("<slug:slug>/suivi/", progress.follow_up, name="follow_up"),
    path(
        "<slug:slug>/suivi/projets/<int:pk>/nouveau/",
        progress.update_create,
        name="update_create",
    ),
    path("<slug:slug>/suivi/points-etape/<int:pk>/", progress.update_edit, name="update_edit"),
    path(
        "<slug:slug>/suivi/points-etape/<int:pk>/envoyer/",
        progress.update_submit,
        name="update_submit",
    ),
    path(
        "<slug:slug>/suivi/points-etape/<int:pk>/supprimer/",
        progress.update_delete,
        name="update_delete",
    ),
    path("<slug:slug>/profil/", profile.profile_page, name="profile"),
    path("<slug:slug>/comparaison/", peers.comparison, name="peers"),
    path("<slug:slug>/equipe/", team.team_page, name="team"),
    path("<slug:slug>/cles-api/", api_keys.api_keys_page, name="api_keys"),
    path("<slug:slug>/cles-api/<int:pk>/revoquer/", api_keys.api_key_revoke, name="api_key_revoke"),
    path("<slug:slug>/equipe/inviter/", team.invite, name="team_invite"),
    path("<slug:slug>/equipe/consultations/", team.visits, name="team_visits"),
    path("<slug:slug>/equipe/invitations/<int:pk>/renvoyer/", team.resend, name="team_resend"),
    path("<slug:slug>/equipe/invitations/<int:pk>/revoquer/", team.revoke, name="team_revoke"),
    path("<slug:slug>/equipe/membres/<int:pk>/role/", team.change_role, name="team_role"),
    path("<slug:slug>/equipe/membres/<int:pk>/projets/", team.limit, name="team_limit"),
    path("<slug:slug>/equipe/membres/<int:pk>/retirer/", team.remove, name="team_remove"),
]
