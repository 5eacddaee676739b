"""The federation's catalogue: a free indicator mapped onto a common one, on the record."""

from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from .models import CatalogueIndicator, Indicator, IndicatorMapping
from .workflow import WorkflowError


def map_indicator(
    *,
    indicator: Indicator,
    catalogue: CatalogueIndicator,
    factor: Decimal = Decimal(1),
    by: User | None,
) -> IndicatorMapping:
    """Link a free indicator to ``catalogue``; its values count times ``factor``.

    The indicator keeps its own name, unit and values, which its cooperative
    published: the factor converts them into the catalogue's unit where they
    add up, so nothing the public read changes under it.
    """
    if factor <= 0:
        raise WorkflowError(_("Le facteur de conversion doit être positif."))
    with transaction.atomic():
        locked = Indicator.objects.select_for_update().get(pk=indicator.pk)
        if locked.catalogue_id is not None:
            raise WorkflowError(_("Cet indicateur est déjà rattaché au catalogue."))
        locked.catalogue = catalogue
        locked.catalogue_factor = factor
        locked.save(update_fields=["catalogue", "catalogue_factor"])
        return IndicatorMapping.objects.create(
            indicator=locked,
            catalogue=catalogue,
            factor=factor,
            former_name=locked.name,
            former_unit=locked.unit,
            by=by,
        )
