"""Ops endpoints of the runbooks: /api/health, /metrics; the 500 page."""
import ipaddress
import sys

from django.conf import settings
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client import multiprocess

from akig_ops.lib.jeton_ops import jeton_ops_valide, refus_json
from akig_ops.metriques_prometheus import CollecteurAkig
from akig_ops.lib.erreurs_base import base_injoignable
from akig_ops.middleware import reponse_base_injoignable
from akig_ops.selectors import sante


@require_safe
@never_cache
def sante_api(request):
    """/api/health: no login, no secrets; 200 while the database answers, 503 otherwise."""
    etat = sante()
    return JsonResponse(etat, status=503 if etat["statut"] == "indisponible" else 200)


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
    if not (jeton_ops_valide(request) or _reseau_autorise(request)):
        return refus_json(statut=403, message=_("Métriques réservées au jeton d'exploitation ou aux réseaux autorisés."))
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
    processors, which could query a database that is the cause of the error. An unreachable
    database met outside a view (a middleware loading the session) gets its 503 instead."""
    exception = sys.exc_info()[1]
    if exception is not None and base_injoignable(exception):
        return reponse_base_injoignable(request, exception)
    gabarit = loader.get_template("500.html")
    return HttpResponseServerError(gabarit.render({"id_requete": getattr(request, "id_requete", "")}))
