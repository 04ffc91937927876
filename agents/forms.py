"""The agent page's day and time window (GET parameters)."""
import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.selectors import debut_du_jour, heures_de_travail, instant_local
from akig_ops.lib import valeurs


class FenetreForm(forms.Form):
    jour = forms.DateField(label=_("Jour"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    debut = forms.TimeField(label=_("De"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    fin = forms.TimeField(label=_("À"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def clean_jour(self):
        jour = self.cleaned_data["jour"]
        if jour and jour > timezone.localdate():
            raise forms.ValidationError(_("Ce jour est dans le futur."))
        if jour:
            try:
                valeurs.jour(jour)
            except valeurs.ValeurInvalide as exc:
                raise forms.ValidationError(str(exc)) from None
        return jour

    def message_erreurs(self) -> str:
        """The refused parameters, each named, in French (for a 400 page)."""
        return " ".join(
            _("Paramètre « %(champ)s » : %(erreur)s") % {"champ": champ, "erreur": erreur}
            for champ, erreurs in self.errors.items()
            for erreur in erreurs
        )

    def clean(self):
        donnees = super().clean()
        debut, fin = donnees.get("debut"), donnees.get("fin")
        if debut and fin and fin <= debut:
            self.add_error("fin", _("L'heure de fin doit suivre l'heure de début."))
        return donnees


def fenetre(form: FenetreForm, *, maintenant: datetime.datetime, jour_defaut: datetime.date | None = None) -> tuple:
    """Return (jour, debut, fin) from a bound FenetreForm, each missing or invalid part replaced by
    its default: `jour_defaut` (the agent's latest day with positions), else today; the day's
    working hours; from midnight for an end alone, to midnight for a start alone."""
    donnees = form.cleaned_data if form.is_valid() else {}
    jour = donnees.get("jour") or jour_defaut or timezone.localdate(maintenant)
    if donnees.get("debut") or donnees.get("fin"):
        debut = instant_local(jour, donnees.get("debut") or datetime.time.min)
        fin = instant_local(jour, donnees["fin"]) if donnees.get("fin") else debut_du_jour(
            jour + datetime.timedelta(days=1)
        )
        return jour, debut, fin
    return (jour, *heures_de_travail(jour))


class ConfigurationTelephoneForm(forms.Form):
    """The confirmation that issues a phone's new secret (the old one stops working)."""

    confirmer = forms.BooleanField(
        label=_("Je confirme : l'ancien secret de ce téléphone cesse de fonctionner dès maintenant."),
        error_messages={"required": _("Cochez la confirmation : l'ancien secret sera révoqué.")},
    )
