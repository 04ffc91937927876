"""Project-wide models: the heartbeats of periodic jobs (the watch on the watcher)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Battement(models.Model):
    """The last successful run of one periodic job (beat task or its command).

    `/api/health` and `/metrics` read these rows to tell how old each job's last run
    is: a dead beat or worker shows as a heartbeat that stops moving.
    """

    nom = models.CharField(_("tâche"), max_length=64, unique=True)
    dernier_succes = models.DateTimeField(_("dernier succès"))
    details = models.JSONField(_("détails"), default=dict, blank=True)

    class Meta:
        db_table = "battements"
        ordering = ["nom"]
        verbose_name = _("battement de tâche")
        verbose_name_plural = _("battements de tâches")

    def __str__(self):
        return f"{self.nom} @ {self.dernier_succes:%Y-%m-%d %H:%M:%S}"
