"""Admin of the cooperatives, their members and their invitations (federation administrators).

The team's rules hold here too: adding, changing and removing members go
through ``coops.team`` (a cooperative keeps at least one référent, every
change is recorded), invitations through ``coops.invitations`` (the e-mail is
sent, the link's token never shown). The history of the teams is read-only.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import User
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import invitations, profile, team
from .models import Cooperative, Invitation, Membership, TeamEvent


class MembershipInline(admin.TabularInline):
    """The members, as a list: changing them goes through the member's own page."""

    model = Membership
    extra = 0
    fields = ["user", "role"]
    readonly_fields = ["user", "role"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    fields = ["email", "role", "state", "invited_by", "sent_at", "expires_at"]
    readonly_fields = ["email", "role", "state", "invited_by", "sent_at", "expires_at"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("état"))
    def state(self, invitation):
        return invitation.state().label


@admin.register(Cooperative)
class CooperativeAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "homes_managed", "legal_form", "member_count", "website"]
    list_filter = ["region", "legal_form"]
    search_fields = ["name", "slug", "region"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, InvitationInline]
    # "Inviter un référent" on a cooperative, "Importer" over the list.
    change_form_template = "admin/coops/cooperative/change_form.html"
    change_list_template = "admin/coops/cooperative/change_list.html"
    # Cooperatives' sites are served over HTTPS: an address typed without a
    # scheme gets that one.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "activities":
            return profile.ActivitiesField(label=db_field.verbose_name, required=False)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_queryset(self, request):
        # One aggregate for the whole list rather than a count per row.
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description=_("membres"), ordering="member_count")
    def member_count(self, cooperative):
        return cooperative.member_count


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        # A guest's last day with the role: the database's constraint is checked on both.
        fields = ["user", "cooperative", "role", "guest_until"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        # Said before saving rather than found out by the service: the form keeps its input.
        if self.instance.pk and "role" in cleaned:
            refused = team.refusal(self.instance, role=cleaned["role"])
            if refused:
                self.add_error("role", refused)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
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
    actions = ["delete_selected"]

    def get_readonly_fields(self, request, obj=None):
        # A membership never changes hands: remove it and add another.
        return ["user", "cooperative"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            team.change_role(membership=obj, role=obj.role, by=request.user)
        else:
            created = team.add_member(
                cooperative=obj.cooperative, user=obj.user, role=obj.role, by=request.user
            )
            # The admin's message and redirection name the membership the service made.
            obj.pk = created.pk

    def _refusal_to_remove(self, request, memberships) -> bool:
        """Say why a removal is refused, if one is: the page then stays as it was."""
        for membership in memberships:
            refused = team.refusal(membership)
            if refused:
                self.message_user(request, f"{membership.user} : {refused}", messages.ERROR)
                return True
        return False

    def delete_view(self, request, object_id, extra_context=None):
        membership = self.get_object(request, unquote(object_id))
        if membership is not None and self._refusal_to_remove(request, [membership]):
            return redirect(reverse("admin:coops_membership_change", args=[membership.pk]))
        return super().delete_view(request, object_id, extra_context)

    @admin.action(description=_("Supprimer les membres sélectionnés"), permissions=["delete"])
    def delete_selected(self, request, queryset):
        # Django's own confirmation and deletion, once no cooperative would lose its last référent.
        if self._refusal_to_remove(request, queryset.select_related("user")):
            return None
        return admin_actions.delete_selected(self, request, queryset)

    def delete_model(self, request, obj):
        team.remove_member(membership=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user"):
            team.remove_member(membership=membership, by=request.user)


class InvitationStateFilter(admin.SimpleListFilter):
    title = _("état")
    parameter_name = "etat"

    def lookups(self, request, model_admin):
        return Invitation.State.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        open_ = Q(accepted_at__isnull=True, revoked_at__isnull=True)
        conditions: dict[str | None, Q] = {
            Invitation.State.PENDING: open_ & Q(expires_at__gt=now),
            Invitation.State.EXPIRED: open_ & Q(expires_at__lte=now),
            Invitation.State.ACCEPTED: Q(accepted_at__isnull=False, revoked_at__isnull=True),
            Invitation.State.REVOKED: Q(revoked_at__isnull=False),
        }
        condition = conditions.get(self.value())
        return queryset if condition is None else queryset.filter(condition)


class InvitationForm(forms.ModelForm):
    """Who to invite, and where: the service sends the e-mail."""

    class Meta:
        model = Invitation
        fields = ["cooperative", "email", "role"]
        help_texts = {
            "cooperative": _("Laissez vide pour inviter un relecteur de la fédération."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every invitation has a role: no empty choice to pick by mistake, the least
        # powerful one first. Guests are invited by their cooperative's référents, who
        # choose their last day. The cooperative's empty choice is a real answer, named.
        # (A sent invitation is shown read-only, without these fields.)
        role = self.fields.get("role")
        if isinstance(role, forms.ChoiceField):
            role.choices = [
                (choice.value, choice.label)
                for choice in Invitation.Role
                if choice != Invitation.Role.GUEST
            ]
        cooperative = self.fields.get("cooperative")
        if isinstance(cooperative, forms.ModelChoiceField):
            cooperative.empty_label = _("Aucune (relecteur de la fédération)")

    def clean_email(self):
        return invitations.normalise_email(self.cleaned_data["email"])

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if "email" in cleaned and not self.errors:
            refused = invitations.refusal_to_invite(cleaned.get("cooperative"), cleaned["email"])
            if refused:
                self.add_error("email", refused)
        return cleaned


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations sent from here or from the teams' pages: never edited, resent or revoked."""

    form = InvitationForm
    list_display = [
        "email",
        "cooperative",
        "role",
        "state",
        "invited_by",
        "sent_at",
        "expires_at",
        "accepted_at",
    ]
    list_filter = [InvitationStateFilter, "role"]
    search_fields = ["email", "cooperative__name", "cooperative__slug"]
    list_select_related = ["cooperative", "invited_by"]
    # A plain list, named by its label, rather than the autocomplete widget, whose
    # combobox takes its name from the value shown (none when empty).
    date_hierarchy = "sent_at"
    actions = ["resend", "revoke"]
    readonly_fields = [
        "state",
        "invited_by",
        "created_at",
        "sent_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
        "renewal_requested_at",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["cooperative", "email", "role"]
        return ["cooperative", "email", "role", *self.readonly_fields]

    def has_change_permission(self, request, obj=None):
        # What was sent is a record: resend or revoke it, from the list.
        return False

    @admin.display(description=_("état"))
    def state(self, invitation):
        return invitation.state().label

    def save_model(self, request, obj, form, change):
        created = invitations.invite(
            cooperative=obj.cooperative, email=obj.email, role=obj.role, by=request.user
        )
        # The admin's message and redirection name the invitation the service made.
        obj.pk = created.pk

    def _each(self, request, queryset, service) -> int:
        """Apply ``service`` to each invitation; those already closed are left as they are."""
        done = refused = 0
        for invitation in queryset:
            try:
                service(invitation=invitation, by=request.user)
            except invitations.InvitationError:
                refused += 1
            else:
                done += 1
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%(n)s invitation déjà acceptée ou révoquée a été laissée telle quelle.",
                    "%(n)s invitations déjà acceptées ou révoquées ont été laissées "
                    "telles quelles.",
                    refused,
                )
                % {"n": refused},
                messages.WARNING,
            )
        return done

    @admin.action(description=_("Renvoyer les invitations sélectionnées"), permissions=["add"])
    def resend(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        done = self._each(request, queryset, invitations.resend)
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(n)s invitation renvoyée : nouveau lien, l'ancien ne fonctionne plus.",
                    "%(n)s invitations renvoyées : nouveaux liens, les anciens ne "
                    "fonctionnent plus.",
                    done,
                )
                % {"n": done},
            )

    @admin.action(description=_("Révoquer les invitations sélectionnées"), permissions=["add"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> HttpResponse | None:
        # Destructive: the links stop working. Asked first, as Django asks before deleting.
        if request.POST.get("confirmer") != "oui":
            return TemplateResponse(
                request,
                "admin/coops/invitation/revoke_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Révoquer ces invitations ?"),
                    "opts": self.model._meta,
                    "invitations": queryset.select_related("cooperative"),
                    "action_checkbox_name": ACTION_CHECKBOX_NAME,
                },
            )
        done = self._each(request, queryset, invitations.revoke)
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(n)s invitation révoquée : son lien ne fonctionne plus.",
                    "%(n)s invitations révoquées : leurs liens ne fonctionnent plus.",
                    done,
                )
                % {"n": done},
            )
        return None


@admin.register(TeamEvent)
class TeamEventAdmin(admin.ModelAdmin):
    """The history of every team, as the services wrote it: read, never written by hand.

    Deleting stays possible so that a cooperative can still be removed with its history.
    """

    list_display = ["created_at", "cooperative", "kind", "sentence"]
    list_filter = ["kind"]
    search_fields = [
        "email",
        "member__username",
        "member__last_name",
        "actor__username",
        "actor__last_name",
        "cooperative__name",
    ]
    list_select_related = ["cooperative", "actor", "member"]
    date_hierarchy = "created_at"

    @admin.display(description=_("changement"))
    def sentence(self, event):
        return event.sentence()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Django's user admin, told apart from onboarding: people are invited, not typed in.
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    add_form_template = "admin/auth/user/add_form_invitations.html"

    def add_view(self, request, form_url="", extra_context=None):
        context = {"title": _("Créer un compte à la main"), **(extra_context or {})}
        return super().add_view(request, form_url, context)
