"""Whatever is typed or sent to the onboarding pages, the answer is calm (property-based).

The team page's forms, the invitation's account form, and the import's file
and signed plan get arbitrary values; the answer is never a 500, refusals are
in French next to their field, and nothing of another cooperative changes.
"""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from coops import importing
from coops.invitations import hash_token
from coops.models import Invitation

from .test_bad_input import (
    ENGLISH,
    EXAMPLES,
    NASTY,
    answer,
    cooperative_rows,
    form_data,
    rolled_back,
)

TOKEN = "jeton-des-tests-hostiles"


def _french(errors):
    for messages in errors.values():
        for message in messages:
            assert not message.startswith(ENGLISH), message


@EXAMPLES
@given(data=form_data("email", "role"))
def test_it_answers_any_invitation_from_the_team_page(as_role, world, data):
    client = as_role("referent_a")
    with rolled_back():
        before = cooperative_rows(world.coop_b)

        response = answer(
            client, "post", reverse("workspace:team_invite", args=[world.coop_a.slug]), data
        )

        assert cooperative_rows(world.coop_b) == before
        if response.status_code == 200:
            _french(response.context["invite_form"].errors)


@EXAMPLES
@given(data=form_data("role"))
def test_it_answers_any_role(as_role, world, data):
    client = as_role("referent_a")
    membership = world.users["contributor_a"].memberships.get()
    with rolled_back():
        response = answer(
            client,
            "post",
            reverse("workspace:team_role", args=[world.coop_a.slug, membership.pk]),
            data,
        )

        if response.status_code == 200:
            _french(response.context["role_form"].errors)
        membership.refresh_from_db()
        assert membership.role in {"contributor", "referent"}


@EXAMPLES
@given(data=form_data("first_name", "last_name", "password1", "password2"))
def test_it_answers_any_new_account_from_an_invitation(as_role, world, data):
    client = as_role("anonymous")
    with rolled_back():
        Invitation.objects.filter(pk=world.admin_objects["coops.invitation"].pk).update(
            token_hash=hash_token(TOKEN)
        )
        before = cooperative_rows(world.coop_b)

        answer(client, "post", reverse("accounts:invitation", args=[TOKEN]), data)

        assert cooperative_rows(world.coop_b) == before


FILE_NAMES = st.sampled_from(["c.csv", "c.xlsx", "c.xlsm", "c.txt", "", "c" * 300 + ".csv"])
CSV_TEXT = st.one_of(
    st.text(max_size=2000),
    st.lists(
        st.lists(st.one_of(NASTY, st.text(max_size=80)), min_size=1, max_size=7),
        max_size=6,
    ).map(
        lambda rows: (
            "nom;region;site_web;presentation;email_referent;slug\n"
            + "\n".join(";".join(cells) for cells in rows)
        )
    ),
)


@EXAMPLES
@given(name=FILE_NAMES, text=CSV_TEXT, raw=st.binary(max_size=300))
def test_it_answers_any_file_to_import(as_role, world, name, text, raw):
    client = as_role("admin")
    with rolled_back():
        before = cooperative_rows(world.coop_a)
        content = raw if name.endswith("xlsx") else text.encode("utf-8", "surrogatepass")

        answer(
            client,
            "post",
            reverse("federation:import"),
            {"fichier": SimpleUploadedFile(name or "sans-nom", content)},
        )

        # A dry run writes nothing.
        assert cooperative_rows(world.coop_a) == before


@EXAMPLES
@given(plan=st.one_of(NASTY, st.text(max_size=200)))
def test_it_answers_any_plan_to_apply(as_role, world, plan):
    client = as_role("admin")
    with rolled_back():
        before = cooperative_rows(world.coop_a)

        answer(client, "post", reverse("federation:import"), {"plan": plan})

        assert cooperative_rows(world.coop_a) == before


@EXAMPLES
@given(text=CSV_TEXT)
def test_the_importer_refuses_in_french_or_reports_whatever_the_cells(world, db, text):
    data = text.encode("utf-8", "surrogatepass")
    with rolled_back():
        try:
            rows = importing.read_table("c.csv", io.BytesIO(data), len(data))
        except importing.ImportFileError as error:
            assert not str(error).startswith(ENGLISH)
            return
        for line in importing.plan(rows).lines:
            assert line.outcome in importing.Outcome.LABELS
