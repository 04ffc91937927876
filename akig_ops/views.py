"""The home page: each role lands on its own page (directors: the dashboard; team leads: their agents)."""
import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from akig_ops import roles
from akig_ops.models import TypeAudit
from akig_ops.selectors import journal_audit

PAR_PAGE_JOURNAL = 50


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


@login_required
@require_safe
def journal(request):
    """/journal/: the audit log, for directors; filters by type, login and day, 50 a page."""
    if not roles.is_direction(request.user):
        raise PermissionDenied
    type_ = request.GET.get("type", "")
    identifiant = request.GET.get("identifiant", "").strip()[:150]
    erreurs, jour = {}, None
    if type_ and type_ not in TypeAudit.values:
        erreurs["type"], type_ = _("Type : choisissez un type de la liste."), ""
    if request.GET.get("jour"):
        try:
            jour = datetime.date.fromisoformat(request.GET["jour"])
        except ValueError:
            erreurs["jour"] = _("Jour : date attendue (AAAA-MM-JJ).")
    page = Paginator(journal_audit(type=type_, identifiant=identifiant, jour=jour), PAR_PAGE_JOURNAL).get_page(
        request.GET.get("page"))
    filtres = request.GET.copy()
    filtres.pop("page", None)
    return render(request, "journal.html", {
        "page": page, "types": TypeAudit.choices, "type": type_, "identifiant": identifiant,
        "jour": request.GET.get("jour", ""), "erreurs": erreurs, "filtres": filtres.urlencode(),
    }, status=400 if erreurs else 200)
