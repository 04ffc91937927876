"""The agent page's day and time window (GET parameters)."""
import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.selectors import debut_du_jour, heures_de_travail, instant_local
from akig_ops.lib import valeurs

# The map's default window on the current day: the last 4 hours (the runbook's query).
FENETRE_DEFAUT = datetime.timedelta(hours=4)


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


def fenetre(form: FenetreForm, *, maintenant: datetime.datetime) -> tuple:
    """Return (jour, debut, fin) from a bound FenetreForm, each missing or invalid part replaced by
    its default: today; the last 4 hours today, the working hours on a past day; from midnight
    for an end alone, to midnight for a start alone."""
    donnees = form.cleaned_data if form.is_valid() else {}
    maintenant = timezone.localtime(maintenant)
    jour = donnees.get("jour") or maintenant.date()
    if donnees.get("debut") or donnees.get("fin"):
        debut = instant_local(jour, donnees.get("debut") or datetime.time.min)
        fin = instant_local(jour, donnees["fin"]) if donnees.get("fin") else debut_du_jour(
            jour + datetime.timedelta(days=1)
        )
        return jour, debut, fin
    if jour == maintenant.date():
        return jour, maintenant - FENETRE_DEFAUT, maintenant
    return (jour, *heures_de_travail(jour))
