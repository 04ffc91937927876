"""The home page: each role lands on its own summary (directors: the dashboard)."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from agents.selectors import agents_et_derniere_performance
from akig_ops import roles


@login_required
def accueil(request):
    direction, chef = roles.is_direction(request.user), roles.is_chef_equipe(request.user)
    if not (direction or chef):
        raise PermissionDenied
    if direction:
        return redirect("dashboard:accueil")
    context = {"agents": agents_et_derniere_performance(user=request.user)}
    return render(request, "accueil.html", context)
