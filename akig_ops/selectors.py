"""Project-wide reads."""
import datetime

from akig_ops.models import Battement


def battements() -> dict[str, datetime.datetime]:
    """Return {job name: its last success} for every job that has run at least once."""
    return dict(Battement.objects.values_list("nom", "dernier_succes"))
