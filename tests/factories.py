"""Test data built in code, with named people.

Published selections go through the real workflow, so that tests never rely
on a status written by hand.
"""

import datetime

from django.contrib.auth.models import Group, Permission, User
from django.utils import timezone
from django.utils.text import slugify

from commitments import workflow
from commitments.models import Campaign, Choice, Engagement, Project
from coops.models import Cooperative, Membership

PASSWORD = "motdepasse-de-test"


def make_coop(name):
    return Cooperative.objects.create(name=name, slug=slugify(name), region="Bretagne")


def make_user(username, *, coop=None, role=Membership.Role.REFERENT, **fields):
    user = User.objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.org", **fields
    )
    if coop is not None:
        Membership.objects.create(user=user, cooperative=coop, role=role)
    return user


def make_reviewer(username="reviewer"):
    user = make_user(username, first_name="Rita", last_name="Relecture")
    group, _ = Group.objects.get_or_create(name="Fédération")
    group.permissions.add(Permission.objects.get(codename="review_selection"))
    user.groups.add(group)
    return user


def make_campaign(name="Campagne ouverte", *, open_=True, minimum=8):
    today = timezone.localdate()
    if open_:
        opens, closes = today - datetime.timedelta(days=30), today + datetime.timedelta(days=60)
    else:
        opens, closes = today - datetime.timedelta(days=400), today - datetime.timedelta(days=200)
    return Campaign.objects.create(
        name=name, slug=slugify(name), opens_on=opens, closes_on=closes, min_engagements=minimum
    )


def make_selection(coop, campaign, *, numbers=(), projects_per=1, by=None, prefix=""):
    """A draft choosing the engagements ``numbers``, each with ``projects_per`` projects."""
    selection = workflow.start_selection(cooperative=coop, campaign=campaign, by=by)
    engagements = Engagement.objects.in_bulk(list(numbers), field_name="number")
    for number in numbers:
        choice = Choice.objects.create(selection=selection, engagement=engagements[number])
        for index in range(projects_per):
            Project.objects.create(
                choice=choice,
                title=f"{prefix}Projet {number}.{index + 1} de {coop.name}",
                description=f"{prefix}Description du projet {number}.{index + 1} de {coop.name}.",
                position=index,
            )
    return selection


def make_published(coop, campaign, reviewer, *, numbers=range(1, 9), projects_per=1, prefix=""):
    """A selection taken through submit and validate, hence public."""
    selection = make_selection(
        coop, campaign, numbers=numbers, projects_per=projects_per, prefix=prefix
    )
    workflow.submit_selection(selection=selection, by=None)
    # The moves hand the saved row back to ``selection``.
    workflow.validate_selection(selection=selection, by=reviewer)
    return selection
