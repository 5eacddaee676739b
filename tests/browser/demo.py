"""The demo data the browser tests start from: `make run`'s, plus demo's draft."""

from django.core.management import call_command

from commitments.models import Choice, Engagement, Project, Selection

SLUG = "cooperative-de-demonstration"


def load_demo():
    """The reference data and the demo accounts, as `make run` sets them up."""
    call_command("loaddata", "reference", "cooperatives", "campaign_2024", verbosity=0)
    # Tests run with DEBUG off, where the command wants to be told twice.
    call_command("create_demo_accounts", force=True, verbosity=0)


def demo_draft(*, title="Ateliers de l'engagement {number}", **project_fields):
    """Demo's draft choosing engagements 1 to 8, one project each (``title`` takes the number)."""
    selection = Selection.objects.get(cooperative__slug=SLUG)
    for number in range(1, 9):
        choice = Choice.objects.create(
            selection=selection, engagement=Engagement.objects.get(number=number)
        )
        Project.objects.create(choice=choice, title=title.format(number=number), **project_fields)
    return selection
