"""The pages of the RGAA sample, at the addresses the demonstration data gives them."""

from django.core.management import call_command

from commitments.models import Selection, Status
from coops.models import Cooperative, Membership
from qualicoop.public.accessibility_audit import SAMPLE


def load_demonstration():
    """The reference data, the 2024 campaign and the demonstration accounts (README)."""
    call_command("loaddata", "reference", "cooperatives", "campaign_2024", verbosity=0)
    # Tests run with DEBUG off, where the command wants to be told twice.
    call_command("create_demo_accounts", force=True, verbosity=0)


def sample_addresses():
    """Each page of the sample and its path, its placeholders filled in from the data."""
    published = Cooperative.objects.filter(selections__is_published=True).order_by("name").first()
    validated = Selection.objects.filter(status=Status.VALIDATED).order_by("pk").first()
    own = Membership.objects.select_related("cooperative").get(user__username="demo")
    assert published is not None and validated is not None
    values = {
        "cooperative": published.slug,
        "workspace": own.cooperative.slug,
        "selection": validated.pk,
    }
    return [(page, page.path.format(**values)) for page in SAMPLE]
