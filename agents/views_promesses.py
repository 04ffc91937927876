"""Promises to pay (/promesses/): the list judged today, filters, kept rates, CSV.

Direction sees every agent's promises; a team lead those of their teams' agents, filtered in the
query (agents_visibles); anyone else is refused (403)."""
import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agents.selectors import agents_visibles, sites_visibles_ids
from akig_ops import roles
from akig_ops.lib.csv_export import csv_reponse
from recovery.promesses import STATUTS
from recovery.selectors import promesses_jugees, site_du_choix, sites_choix, taux_promesses_tenues

PAR_PAGE = 50
# The windows of the kept rates, in days.
FENETRES = (30, 90)
# With no date chosen, the list starts this many days back.
RECUL_DEFAUT = 90


class PromessesForm(forms.Form):
    statut = forms.ChoiceField(label=_("Statut"), required=False, choices=[("", _("Tous")), *STATUTS.items()])
    agent = forms.ChoiceField(label=_("Agent"), required=False)
    site = forms.CharField(label=_("Site"), required=False, max_length=100, widget=forms.TextInput(
        attrs={"list": "choix-sites", "autocomplete": "off", "placeholder": _("Code ou nom")}))
    du = forms.DateField(label=_("Échéance du"), required=False,
                         widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    au = forms.DateField(label=_("au"), required=False,
                         widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, agents, site_ids, **kwargs):
        """`agents`: those the user may see; `site_ids`: the sites they may pick (None: all)."""
        super().__init__(*args, **kwargs)
        self.site_ids = site_ids
        self.fields["agent"].choices = [("", _("Tous")), *((a.code, f"{a.code} – {a.nom}") for a in agents)]
        self.fields["agent"].error_messages["invalid_choice"] = _(
            "Agent « %(value)s » inconnu ou hors de vos équipes : choisissez-le dans la liste.")

    def clean_site(self):
        saisie = self.cleaned_data["site"].strip()
        if not saisie:
            return None
        site = site_du_choix(saisie=saisie, site_ids=self.site_ids)
        if site is None:
            raise forms.ValidationError(
                _("Site « %(valeur)s » inconnu ou hors de vos équipes : choisissez-le dans la liste.")
                % {"valeur": saisie})
        return site.pk

    def clean(self):
        donnees = super().clean()
        du, au = donnees.get("du"), donnees.get("au")
        if du and au and au < du:
            self.add_error("au", _("La fin de la période précède son début."))
        return donnees


def _verifier_role(user) -> None:
    if not roles.is_direction_ou_chef_equipe(user):
        raise PermissionDenied


def _filtres(request):
    """(form, promesses_jugees' keyword arguments or None when the form is invalid)."""
    visibles = agents_visibles(user=request.user)
    parametres = request.GET.copy()
    if not any(parametres.get(champ) for champ in ("du", "au")):
        parametres["du"] = f"{timezone.localdate() - datetime.timedelta(days=RECUL_DEFAUT):%Y-%m-%d}"
    form = PromessesForm(parametres, agents=visibles, site_ids=sites_visibles_ids(user=request.user))
    if not form.is_valid():
        return form, None
    donnees = form.cleaned_data
    agents = visibles.filter(code=donnees["agent"]) if donnees["agent"] else visibles
    return form, {
        "agent_ids": agents.values("id"),
        "site_ids": [donnees["site"]] if donnees["site"] else None,
        "statut": donnees["statut"] or None,
        "echeance_du": donnees["du"],
        "echeance_au": donnees["au"],
    }


@login_required
def liste(request):
    _verifier_role(request.user)
    aujourd_hui = timezone.localdate()
    form, filtres = _filtres(request)
    visibles = agents_visibles(user=request.user).values("id")
    context = {"form": form, "fenetres": FENETRES, "csv": "", "page": None,
               "choix_sites": sites_choix(site_ids=form.site_ids)}  # the site field's suggestions
    if filtres is not None:
        promesses = promesses_jugees(aujourd_hui=aujourd_hui, **filtres)
        page = Paginator(promesses, PAR_PAGE).get_page(request.GET.get("page"))
        requete = request.GET.copy()
        requete.pop("page", None)
        base = f"?{requete.urlencode()}&" if requete else "?"
        context.update(
            page=page, nb=len(promesses),
            csv=f"{reverse('promesses:csv')}?{request.GET.urlencode()}",
            page_precedente=f"{base}page={page.previous_page_number()}" if page.has_previous() else "",
            page_suivante=f"{base}page={page.next_page_number()}" if page.has_next() else "",
        )
    taux = {
        par: {jours: taux_promesses_tenues(aujourd_hui=aujourd_hui, jours=jours, par=par, agent_ids=visibles)
              for jours in FENETRES}
        for par in ("agent", "site")
    }
    context["taux"] = {par: _tableau_taux(par_fenetre) for par, par_fenetre in taux.items()}
    return render(request, "agents/promesses.html", context, status=200 if filtres is not None else 400)


def _tableau_taux(par_fenetre: dict[int, dict]) -> list[dict]:
    """Rows {code, fenetres: [Taux or None per window]}, by code."""
    codes = {ident: t.code for fenetre in par_fenetre.values() for ident, t in fenetre.items()}
    return [
        {"code": code, "fenetres": [par_fenetre[jours].get(ident) for jours in FENETRES]}
        for ident, code in sorted(codes.items(), key=lambda item: item[1])
    ]


@login_required
def export_csv(request):
    """The filtered list as the project's CSV: tenant, agent, amount, date promised, paid, status."""
    _verifier_role(request.user)
    form, filtres = _filtres(request)
    if filtres is None:
        return render(request, "agents/promesses.html", {"form": form, "fenetres": FENETRES}, status=400)
    promesses = promesses_jugees(aujourd_hui=timezone.localdate(), **filtres)
    entetes = [gettext("Code locataire"), gettext("Code agent"), gettext("Site"), gettext("Promise le"),
               gettext("Montant promis"), gettext("Date promise"), gettext("Limite"), gettext("Montant payé"),
               gettext("Statut")]
    lignes = (
        [p.locataire_code, p.agent_code, p.site_code, p.jour, p.montant, p.promesse_date, p.limite,
         p.montant_paye, p.libelle_statut]
        for p in promesses
    )
    return csv_reponse(nom_fichier=f"promesses-{timezone.localdate():%Y-%m-%d}.csv", entetes=entetes, lignes=lignes)
