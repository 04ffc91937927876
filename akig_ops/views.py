"""The home page: each role lands on its own page (directors: the dashboard; team leads: their agents)."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from akig_ops import roles


@login_required
def accueil(request):
    if not roles.is_direction_ou_chef_equipe(request.user):
        # Not PermissionDenied: its page links back here, a loop for a login without a role.
        return render(request, "403.html", {"sans_role": True}, status=403)
    if roles.is_direction(request.user):
        return redirect("dashboard:accueil")
    return redirect("agents:liste")


def connexion_bloquee(request, reponse_originale=None, identifiants=None):
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): 429, in French."""
    return render(request, "registration/verrouille.html", {
        "limite": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }, status=429)
