"""Two Quali'Coop cycles of one cooperative, built through the real services."""

from commitments import editing, progress, workflow
from commitments.models import Carry, Choice, Project, ProjectStatus, Selection
from tests import factories


def submit_and_validate(selection, campaign, reviewer):
    workflow.submit_selection(selection=selection, by=None, today=campaign.opens_on)
    workflow.validate_selection(selection=selection, by=reviewer)
    return Selection.objects.get(pk=selection.pk)


def build(*, validate_second=True):
    """Coopérative Alpha commits in 2024, reports progress, then carries forward into 2027.

    In the second cycle one project is dropped (with a reason) and one added.
    """
    reviewer = factories.make_reviewer()
    coop = factories.make_coop("Coopérative Alpha")
    alice = factories.make_user("alice", coop=coop, first_name="Alice")
    first = factories.make_campaign("Campagne 2024", open_=False, minimum=2)
    first_selection = factories.make_selection(coop, first, numbers=[1, 2], projects_per=2)
    first_selection = submit_and_validate(first_selection, first, reviewer)
    # A follow-up update, published, with a measured value.
    followed = Project.objects.filter(choice__selection=first_selection).order_by("pk").first()
    indicator = factories.make_indicator(followed, name="Ménages", target=40, unit="")
    update = progress.create_update(
        project=followed,
        data={
            "status": ProjectStatus.IN_PROGRESS,
            "reason": "",
            "text": "Premières réunions tenues.",
            "happened_on": first.closes_on,
        },
        values=[progress.Value(indicator, 12, first.closes_on)],
        by=alice,
        submit=True,
    )
    progress.publish_update(update=update, by=reviewer)

    second = factories.make_campaign("Campagne 2027", minimum=2)
    draft = workflow.start_selection(
        cooperative=coop, campaign=second, by=alice, copy_from=first_selection
    )
    carried = Project.objects.filter(choice__selection=draft).order_by(
        "choice__engagement__number", "position"
    )
    renewed, modified, dropped, kept = carried
    editing.mark_carry(renewed, Carry.RENEWED)
    data = {name: getattr(modified, name) for name in Project.EDITABLE_FIELDS}
    editing.update_project(modified, {**data, "title": "Nouveau titre"}, modified.version)
    editing.drop_project(dropped, "Le terrain n'est plus disponible.", by=alice)
    editing.mark_carry(kept, Carry.RENEWED)
    choice = Choice.objects.get(selection=draft, engagement__number=2)
    added, _created = editing.create_project(
        choice,
        {
            "title": "Projet ajouté en 2027",
            "description": "Un nouveau projet.",
            "objectives": "",
            "indicators": "",
            "target_date": None,
            "progress": "planned",
        },
    )
    second_selection = submit_and_validate(draft, second, reviewer) if validate_second else draft
    return {
        "coop": coop,
        "alice": alice,
        "first": first_selection,
        "second": second_selection,
        "followed": followed,
        "renewed": renewed,
        "modified": modified,
        "dropped": dropped,
        "added": added,
    }
