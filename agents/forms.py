"""The agent page's day and time window (GET parameters)."""
import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
        return jour

    def clean(self):
        donnees = super().clean()
        debut, fin = donnees.get("debut"), donnees.get("fin")
        if debut and fin and fin <= debut:
            self.add_error("fin", _("L'heure de fin doit suivre l'heure de début."))
        return donnees


def fenetre(form: FenetreForm, *, maintenant: datetime.datetime, heures: tuple) -> tuple:
    """Return (jour, debut, fin) from a bound FenetreForm, each missing or invalid part replaced by
    its default: today; the last 4 hours today, the working hours on a past day; end of the day
    for a start alone. `heures` are the working hours of a day: a function jour -> (h0, h1)."""
    donnees = form.cleaned_data if form.is_valid() else {}
    maintenant = timezone.localtime(maintenant)
    jour = donnees.get("jour") or maintenant.date()
    h0, h1 = heures(jour)
    if jour == maintenant.date():
        debut, fin = maintenant - FENETRE_DEFAUT, maintenant
    else:
        debut, fin = h0, h1
    tz = timezone.get_default_timezone()
    if donnees.get("debut"):
        debut = datetime.datetime.combine(jour, donnees["debut"], tzinfo=tz)
        if not donnees.get("fin"):
            fin = datetime.datetime.combine(jour + datetime.timedelta(days=1), datetime.time(0), tzinfo=tz)
    if donnees.get("fin"):
        fin = datetime.datetime.combine(jour, donnees["fin"], tzinfo=tz)
        if not donnees.get("debut"):
            debut = datetime.datetime.combine(jour, datetime.time(0), tzinfo=tz)
    return jour, debut, fin
