"""The home page: each role lands on its own summary."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from agents.selectors import agents_et_derniere_performance
from akig_ops import roles
from akig_ops.selectors import SEUIL_IMPAYES_CRITIQUES
from recovery.selectors import (
    RETARD_CRITIQUE,
    impayes_critiques_par_site,
    impayes_critiques_resume,
    impayes_critiques_tableau,
)


@login_required
def accueil(request):
    direction, chef = roles.is_direction(request.user), roles.is_chef_equipe(request.user)
    if not (direction or chef):
        raise PermissionDenied
    if chef and not direction:
        return redirect("agents:liste")
    context = {"direction": direction, "retard": RETARD_CRITIQUE, "seuil": SEUIL_IMPAYES_CRITIQUES}
    if direction:
        par_site = impayes_critiques_par_site()  # one aggregate for both blocks
        context["resume"] = impayes_critiques_resume(par_site=par_site)
        context["sites"] = impayes_critiques_tableau(par_site=par_site)
    context["agents"] = agents_et_derniere_performance(user=request.user)
    return render(request, "accueil.html", context)
