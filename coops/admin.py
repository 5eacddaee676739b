"""Admin of the cooperatives and their members (federation administrators)."""

from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import Cooperative, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Cooperative)
class CooperativeAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "member_count", "website"]
    list_filter = ["region"]
    search_fields = ["name", "slug", "region"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    # Cooperatives' sites are served over HTTPS: an address typed without a
    # scheme gets that one.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        # One aggregate for the whole list rather than a count per row.
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description=_("membres"), ordering="member_count")
    def member_count(self, cooperative):
        return cooperative.member_count


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "cooperative", "role"]
    list_filter = ["role", "cooperative"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__email",
        "cooperative__name",
    ]
    list_select_related = ["user", "cooperative"]
    autocomplete_fields = ["user", "cooperative"]
