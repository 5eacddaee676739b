from django.urls import path

from . import feeds
from . import views as public

app_name = "public"
urlpatterns = [
    path("", public.home, name="home"),
    path("engagements/<int:number>/", public.engagement, name="engagement"),
    path("engagements/<int:number>/flux.atom", feeds.engagement_feed, name="engagement_feed"),
    path("cooperatives/", public.cooperatives, name="cooperatives"),
    path("cooperatives/<slug:slug>/", public.cooperative, name="cooperative"),
    path("cooperatives/<slug:slug>/flux.atom", feeds.cooperative_feed, name="cooperative_feed"),
    path(
        "cooperatives/<slug:slug>/cycles/<slug:campaign>/",
        public.cooperative_cycle,
        name="cooperative_cycle",
    ),
    path("projets/<int:pk>/", public.project, name="project"),
    path(
        "projets/<int:pk>/pieces/<int:evidence>/",
        public.project_evidence,
        name="project_evidence",
    ),
    path("flux/points-d-etape.atom", feeds.site_feed, name="feed"),
]
