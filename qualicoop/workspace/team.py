"""The team page of a cooperative (/espace/<slug>/equipe/): its members, invitations, history.

Every member sees the team; référents invite colleagues, send an invitation
again or revoke it, change a member's role and remove a member (after a
confirmation page). Contributeurs change nothing: their requests to do so get
a 403. The rules — a cooperative keeps at least one référent, every change is
recorded — are ``coops.team``'s and ``coops.invitations``'; the views turn
their refusals into messages.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coops import access, guests, invitations, team
from coops.models import GuestVisit, Invitation, Membership

from .access import Workspace, workspace_view

HISTORY_PAGE_SIZE = 20
VISITS_PAGE_SIZE = 50
# The guests' latest visits shown on the team page itself.
LATEST_VISITS = 5
REFERENTS_ONLY = gettext_lazy("Seul un référent de la coopérative peut modifier son équipe.")


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Adresse e-mail"), max_length=254)
    role = forms.ChoiceField(
        label=gettext_lazy("Rôle"),
        choices=Membership.Role.choices,
        initial=Membership.Role.CONTRIBUTOR,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Obligatoire. Le contributeur prépare la sélection ; le référent la soumet et "
            "gère l'équipe ; "
            "l'invité (votre réviseur, un partenaire) consulte l'espace sans rien modifier, "
            "jusqu'à la date choisie."
        ),
    )
    guest_until = forms.DateField(
        label=gettext_lazy("Accès de l'invité jusqu'au"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy(
            "Obligatoire pour un invité, dans un an au plus ; chaque page qu'il consulte "
            "est enregistrée."
        ),
        error_messages={"invalid": gettext_lazy("Saisissez une date, par exemple 31/12/2026.")},
    )

    def clean_email(self) -> str:
        return invitations.normalise_email(self.cleaned_data["email"])

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("role") != Membership.Role.GUEST:
            cleaned["guest_until"] = None
        elif "guest_until" not in self.errors:
            until = cleaned.get("guest_until")
            if until is None:
                self.add_error("guest_until", _("Choisissez jusqu'à quelle date l'invité a accès."))
            else:
                try:
                    guests.check_end(until)
                except guests.GuestError as error:
                    self.add_error("guest_until", str(error))
        return cleaned


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=gettext_lazy("Rôle"),
        choices=[(role.value, role.label) for role in team.TEAM_ROLES],
    )


class LimitForm(forms.Form):
    # Unticked, a checkbox sends nothing: an absent value lifts the limit.
    own_projects_only = forms.BooleanField(
        label=gettext_lazy("Limiter aux projets qu'il ou elle porte"), required=False
    )


def _require_manager(workspace: Workspace) -> None:
    if not access.may_manage_team(workspace.membership):
        raise PermissionDenied(REFERENTS_ONLY)


def _member_or_404(workspace: Workspace, pk: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"), pk=pk, cooperative=workspace.cooperative
    )


def _open_invitation_or_404(workspace: Workspace, pk: int) -> Invitation:
    return get_object_or_404(invitations.open_invitations(workspace.cooperative), pk=pk)


def _team_page(
    request: HttpRequest,
    workspace: Workspace,
    *,
    invite_form: InviteForm | None = None,
    role_form: RoleForm | None = None,
    role_member: int | None = None,
) -> HttpResponse:
    """The team page, with a refused form kept as it was typed."""
    cooperative = workspace.cooperative
    members = list(
        cooperative.memberships.select_related("user").order_by(
            "-role", "user__last_name", "user__first_name", "user__username"
        )
    )
    referent_count = sum(1 for m in members if m.role == Membership.Role.REFERENT)
    for member in members:
        # Not offered a change the rules would refuse (the service checks again).
        member.is_last_referent = member.role == Membership.Role.REFERENT and referent_count == 1
    pending = list(
        invitations.open_invitations(cooperative).select_related("invited_by").order_by("-sent_at")
    )
    events = cooperative.team_events.select_related("actor", "member")
    history = Paginator(events, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    manager = access.may_manage_team(workspace.membership)
    today = timezone.localdate()
    for member in members:
        member.guest_expired = member.is_guest and member.guest_until < today
    return render(
        request,
        "workspace/team.html",
        {
            "workspace": workspace,
            "members": members,
            "referent_count": referent_count,
            "pending": pending,
            "page_obj": history,
            "manager": manager,
            "invite_form": (invite_form or InviteForm()) if manager else None,
            "role_form": role_form,
            "role_member": role_member,
            "invitation_days": settings.INVITATION_DAYS,
            # The latest pages read by guests; the whole log on its own page.
            "visits": list(GuestVisit.objects.of(cooperative)[:LATEST_VISITS]) if manager else [],
            "roles": RoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]
        },
    )


@workspace_view()
def team_page(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Members of the cooperative: who is in the team, who is invited, what changed."""
    return _team_page(request, workspace)


@workspace_view(post_only=True)
def invite(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Référents (403 for contributeurs): invite a colleague by e-mail, with a role."""
    _require_manager(workspace)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitations.invite(
                cooperative=workspace.cooperative,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
                guest_until=form.cleaned_data["guest_until"],
            )
        except invitations.InvitationError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                _("Invitation envoyée à %(email)s : le lien est valable %(days)s jours.")
                % {"email": form.cleaned_data["email"], "days": settings.INVITATION_DAYS},
            )
            return redirect("workspace:team", workspace.slug)
    return _team_page(request, workspace, invite_form=form)


@workspace_view(post_only=True)
def resend(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """Référents: send a pending or expired invitation again; its old link stops working."""
    _require_manager(workspace)
    invitation = _open_invitation_or_404(workspace, pk)
    try:
        invitations.resend(invitation=invitation, by=request.user)
    except invitations.InvitationError as error:
        messages.warning(request, str(error))
    else:
        messages.success(
            request,
            _("Invitation renvoyée à %(email)s avec un nouveau lien ; l'ancien ne fonctionne plus.")
            % {"email": invitation.email},
        )
    return redirect("workspace:team", workspace.slug)


@workspace_view()
def revoke(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """Référents: cancel an invitation. GET asks for confirmation; only POST revokes."""
    _require_manager(workspace)
    invitation = _open_invitation_or_404(workspace, pk)
    if request.method == "POST":
        try:
            invitations.revoke(invitation=invitation, by=request.user)
        except invitations.InvitationError as error:
            messages.warning(request, str(error))
        else:
            messages.success(
                request,
                _("L'invitation envoyée à %(email)s est révoquée : son lien ne fonctionne plus.")
                % {"email": invitation.email},
            )
        return redirect("workspace:team", workspace.slug)
    return render(
        request,
        "workspace/team_revoke.html",
        {"workspace": workspace, "invitation": invitation},
    )


@workspace_view(post_only=True)
def change_role(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """Référents: make a member référent or contributeur (the last référent stays one)."""
    _require_manager(workspace)
    membership = _member_or_404(workspace, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _team_page(request, workspace, role_form=form, role_member=membership.pk)
    try:
        changed = team.change_role(
            membership=membership, role=form.cleaned_data["role"], by=request.user
        )
    except team.TeamError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(person)s est désormais %(role)s.")
            % {"person": team.person(changed.user), "role": changed.get_role_display().lower()},
        )
    return redirect("workspace:team", workspace.slug)


@workspace_view(post_only=True)
def limit(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """Référents: limit a contributor to the projects they carry, or lift the limit."""
    _require_manager(workspace)
    membership = _member_or_404(workspace, pk)
    form = LimitForm(request.POST)
    limited = form.is_valid() and form.cleaned_data["own_projects_only"]
    try:
        team.limit_to_own_projects(membership=membership, limited=limited, by=request.user)
    except team.TeamError as error:
        messages.error(request, str(error))
    else:
        done = (
            _("%(person)s ne modifie plus que les projets qu'il ou elle porte.")
            if limited
            else _("%(person)s modifie de nouveau tous les projets de la coopérative.")
        )
        messages.success(request, done % {"person": team.person(membership.user)})
    return redirect("workspace:team", workspace.slug)


@workspace_view()
def remove(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """Référents: take a member off the team. GET asks for confirmation; only POST removes."""
    _require_manager(workspace)
    membership = _member_or_404(workspace, pk)
    if request.method == "POST":
        try:
            team.remove_member(membership=membership, by=request.user)
        except team.TeamError as error:
            messages.error(request, str(error))
            return redirect("workspace:team", workspace.slug)
        if membership.user == request.user:
            messages.success(
                request,
                _("Vous ne faites plus partie de l'équipe de %(cooperative)s.")
                % {"cooperative": workspace.cooperative.name},
            )
            return redirect("workspace:home")
        messages.success(
            request,
            _("%(person)s ne fait plus partie de l'équipe.")
            % {"person": team.person(membership.user)},
        )
        return redirect("workspace:team", workspace.slug)
    return render(
        request,
        "workspace/team_remove.html",
        {
            "workspace": workspace,
            "member": membership,
            "refusal": team.refusal(membership),
            "is_self": membership.user == request.user,
        },
    )


@workspace_view()
def visits(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Référents (403 for everyone else): every page the cooperative's guests read, newest first."""
    _require_manager(workspace)
    page = Paginator(GuestVisit.objects.of(workspace.cooperative), VISITS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "workspace/team_visits.html", {"workspace": workspace, "page_obj": page})
