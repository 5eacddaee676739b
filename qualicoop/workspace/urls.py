from django.urls import path

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
    path("<slug:slug>/projets/<int:pk>/deplacer/", workspace.project_move, name="project_move"),
    path("<slug:slug>/soumettre/", workspace.submit, name="submit"),
]
