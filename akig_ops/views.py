"""The home page: each role lands on its own page (directors: the dashboard; team leads: their agents)."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from akig_ops import roles


@login_required
def accueil(request):
    direction, chef = roles.is_direction(request.user), roles.is_chef_equipe(request.user)
    if not (direction or chef):
        # Not PermissionDenied: its page links back here, a loop for a login without a role.
        return render(request, "403.html", {"sans_role": True}, status=403)
    if direction:
        return redirect("dashboard:accueil")
    return redirect("agents:liste")
