"""Ops endpoints of the runbooks: /api/health, /api/dashboard/resume, /metrics; the 500 page."""
import hmac
import ipaddress

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client import multiprocess

from akig_ops import roles
from akig_ops.lib.cache_donnees import en_cache
from akig_ops.lib.metriques import CollecteurAkig
from akig_ops.selectors import resume_tableau_de_bord, sante

def _jeton_ops_valide(request) -> bool:
    """True when the request carries `Authorization: Bearer <AKIG_OPS_TOKEN>` (compared in
    constant time); never when no token is configured."""
    attendu = settings.AKIG_OPS_TOKEN
    schema, _sep, jeton = request.headers.get("Authorization", "").partition(" ")
    return bool(attendu) and schema.lower() == "bearer" and hmac.compare_digest(jeton.encode(), attendu.encode())


def _refus(*, statut: int, message: str) -> JsonResponse:
    reponse = JsonResponse({"erreur": message}, status=statut)
    if statut == 401:
        reponse["WWW-Authenticate"] = 'Bearer realm="akig-ops"'
    return reponse


@require_safe
@never_cache
def sante_api(request):
    """/api/health: no login, no secrets; 200 while the database answers, 503 otherwise."""
    etat = sante()
    return JsonResponse(etat, status=503 if etat["statut"] == "indisponible" else 200)


@require_safe
@never_cache
def dashboard_resume(request):
    """/api/dashboard/resume: the directors' headline figures, cached (header X-Cache).

    For a logged-in director, or a script sending the ops token."""
    if not _jeton_ops_valide(request):
        if "Authorization" in request.headers or not request.user.is_authenticated:
            return _refus(statut=401, message=_("Authentification requise : session de la direction ou jeton d'exploitation."))
        if not roles.is_direction(request.user):
            return _refus(statut=403, message=_("Réservé à la direction."))
    # Amounts as decimal strings with cents ("1234.56"): the selector gives them to the cent.
    resume, hit = en_cache("resume_tableau_de_bord", resume_tableau_de_bord)
    reponse = JsonResponse(resume, encoder=DjangoJSONEncoder)
    reponse["X-Cache"] = "HIT" if hit else "MISS"
    return reponse


def _reseau_autorise(request) -> bool:
    """True when the client's address (REMOTE_ADDR: the proxy's header can be forged) is in
    AKIG_METRIQUES_RESEAUX."""
    try:
        adresse = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    # A server listening on [::] sees an IPv4 client as ::ffff:a.b.c.d.
    adresse = getattr(adresse, "ipv4_mapped", None) or adresse
    return any(adresse in reseau for reseau in settings.AKIG_METRIQUES_RESEAUX)


@require_safe
@never_cache
def metriques(request):
    """/metrics for Prometheus: for the ops token or an allowed network only."""
    if not (_jeton_ops_valide(request) or _reseau_autorise(request)):
        return _refus(statut=403, message=_("Métriques réservées au jeton d'exploitation ou aux réseaux autorisés."))
    if settings.PROMETHEUS_MULTIPROC_DIR:
        # Several web worker processes: django-prometheus' series are summed over their files.
        registre_requetes = CollectorRegistry()
        multiprocess.MultiProcessCollector(registre_requetes)
    else:
        registre_requetes = REGISTRY
    registre_akig = CollectorRegistry(auto_describe=False)
    registre_akig.register(CollecteurAkig())
    corps = generate_latest(registre_requetes) + generate_latest(registre_akig)
    return HttpResponse(corps, content_type=CONTENT_TYPE_LATEST)


def erreur_serveur(request):
    """The 500 page, with the request id to quote; rendered without the request's context
    processors, which could query a database that is the cause of the error."""
    gabarit = loader.get_template("500.html")
    return HttpResponseServerError(gabarit.render({"id_requete": getattr(request, "id_requete", "")}))
