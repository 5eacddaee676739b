"""The trust pages (who runs the portal, how it works, accessibility) and the site's favicon."""

from django.urls import path

from . import trust

app_name = "trust"
urlpatterns = [
    path("a-propos/", trust.about, name="about"),
    path("faq/", trust.faq, name="faq"),
    path("guide/", trust.guide, name="guide"),
    path("mentions-legales/", trust.legal_notice, name="legal"),
    path("contact/", trust.contact, name="contact"),
    path("accessibilite/", trust.accessibility, name="accessibility"),
    path("accessibilite/grille-rgaa.csv", trust.accessibility_grid, name="accessibility_grid"),
    path("favicon.ico", trust.favicon, name="favicon"),
]
