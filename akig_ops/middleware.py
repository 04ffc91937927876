"""Middleware of every web request: its id and log line, the web-only statement timeout, the
503 of a database that cannot be reached, and the login page or 403 of an htmx swap."""
import contextvars
import logging
import math
import re
import time
import uuid
from urllib.parse import urlsplit

import psycopg.errors
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError, OperationalError, connection
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.template import loader
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from akig_ops.lib import replique, valeurs
from akig_ops.lib.erreurs_base import base_injoignable
from akig_ops.lib.journal import id_requete_courante
from akig_ops.models import TypeAudit
from akig_ops.services import audit_enregistrer

logger = logging.getLogger("akig_ops.requetes")
# Throttled (settings.LOGGING): one line per minute and per process while the database is away.
logger_base = logging.getLogger("akig_ops.base")
# An id given by the proxy in front (nginx's $request_id) is kept when it looks like one.
ID_RECU_VALIDE = re.compile(r"[A-Za-z0-9._-]{8,64}")


class JournalRequetesMiddleware:
    """Gives each request an id (`request.id_requete`, header `X-Request-ID`) and writes one
    structured log line when it is answered: id, method, path, view, status, user, duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        recu = request.headers.get("X-Request-ID", "")
        request.id_requete = recu if ID_RECU_VALIDE.fullmatch(recu) else uuid.uuid4().hex
        jeton = id_requete_courante.set(request.id_requete)
        debut = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.id_requete
            correspondance = request.resolver_match
            # Only a user the request already loaded: reading it here would cost a session
            # query on /api/health and /metrics, and fail when the database is down.
            user = getattr(request, "_cached_user", None)
            logger.info(
                "requete",
                extra={
                    "id_requete": request.id_requete,
                    "methode": request.method,
                    "chemin": request.path,
                    "vue": correspondance.view_name if correspondance else None,
                    "statut": response.status_code,
                    "utilisateur": user.get_username() if user is not None and user.is_authenticated else None,
                    "duree_ms": round((time.perf_counter() - debut) * 1000, 1),
                },
            )
            return response
        finally:
            id_requete_courante.reset(jeton)


def _requete_annulee(exception: BaseException) -> bool:
    """True when PostgreSQL cancelled the query (statement_timeout)."""
    return isinstance(exception, OperationalError) and isinstance(exception.__cause__, psycopg.errors.QueryCanceled)


# True while a web request is being served (the middleware below sets it).
_dans_une_requete_web: contextvars.ContextVar[bool] = contextvars.ContextVar("requete_web", default=False)


def _regler_delai(connexion, delai_ms: int) -> None:
    """Set the session's statement_timeout once per database connection and limit."""
    marque = (connexion.connection, delai_ms)
    deja = getattr(connexion, "_akig_delai_web", None)
    if deja is not None and deja[0] is marque[0] and deja[1] == delai_ms:
        return
    with connexion.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{delai_ms}ms"])
    connexion._akig_delai_web = marque


@receiver(connection_created)
def _connexion_ouverte_par_le_web(sender, connection, **kwargs):
    """A connection opened while serving a web request gets the web's statement_timeout."""
    delai_ms = settings.AKIG_WEB_STATEMENT_TIMEOUT_MS
    if _dans_une_requete_web.get() and delai_ms and connection.vendor == "postgresql":
        _regler_delai(connection, delai_ms)


class DelaiRequetesWebMiddleware:
    """Every query of a web request runs under `statement_timeout`
    (AKIG_WEB_STATEMENT_TIMEOUT_MS), and a cancelled one gives a French error page (503).

    The limit is set once per database connection (connections persist between requests):
    when a request opens one, or on the first request that finds one already open. Celery
    workers and management commands never pass here and keep no limit.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        delai_ms = settings.AKIG_WEB_STATEMENT_TIMEOUT_MS
        if delai_ms and connection.vendor == "postgresql" and connection.connection is not None:
            try:
                _regler_delai(connection, delai_ms)
            except DatabaseError:
                pass  # the view meets the same failure and answers for it (/api/health: 503)
        jeton = _dans_une_requete_web.set(True)
        try:
            return self.get_response(request)
        finally:
            _dans_une_requete_web.reset(jeton)

    def process_exception(self, request, exception):
        if not _requete_annulee(exception):
            return None
        logger.warning("requete annulee par statement_timeout", extra={"chemin": request.path})
        message = _("La requête a pris trop de temps et a été interrompue.")
        if request.path.startswith("/api/"):
            return JsonResponse({"erreur": message, "id_requete": request.id_requete}, status=503)
        return render(request, "erreurs/delai.html", {"message": message}, status=503)


def reponse_base_injoignable(request, exception: BaseException) -> HttpResponse:
    """503 with Retry-After, in French (JSON under /api/), logged once a minute per process
    without a traceback; the page renders without the request's context processors (they
    would query the database)."""
    id_requete = getattr(request, "id_requete", "")
    logger_base.error("base de donnees injoignable",
                      extra={"chemin": request.path, "erreur": type(exception.__cause__ or exception).__name__})
    message = _("La base de données est momentanément indisponible. Réessayez dans quelques instants.")
    if request.path.startswith("/api/"):
        reponse = JsonResponse({"erreur": message, "id_requete": id_requete}, status=503)
    else:
        gabarit = loader.get_template("erreurs/base_indisponible.html")
        reponse = HttpResponse(gabarit.render({"message": message, "id_requete": id_requete}), status=503)
    reponse["Retry-After"] = str(settings.AKIG_RETRY_AFTER_S)
    # Already logged above (throttled): django.request would write one line per request.
    reponse._has_been_logged = True
    return reponse


class BaseInjoignableMiddleware:
    """A view that meets an unreachable database answers 503 (reponse_base_injoignable);
    the handler500 does the same for a failure outside the view (akig_ops.views_ops)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if base_injoignable(exception):
            return reponse_base_injoignable(request, exception)
        return None


class ParametresRequeteMiddleware:
    """Refuses, with a French 400 naming it, a query-string parameter no view should see: a NUL
    byte, a control character or a line break (valeurs.texte, one line), in its name or value.
    PostgreSQL cannot hold a NUL, so a filter carrying one would end in a 500; the views then
    parse typed parameters (days, buckets) with their own bounds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for cle, liste in request.GET.lists():
            for brut in (cle, *liste):
                try:
                    valeurs.texte(brut, une_ligne=True)
                except valeurs.ValeurInvalide as exc:
                    return _parametre_refuse(request, cle, str(exc))
        return self.get_response(request)


def _parametre_refuse(request, cle: str, motif: str):
    nom = "".join(c if c.isprintable() else "\ufffd" for c in cle)[:64]
    message = _("Paramètre « %(nom)s » refusé : %(motif)s.") % {"nom": nom, "motif": motif}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "id_requete": request.id_requete}, status=400)
    return render(request, "erreurs/parametre.html", {"message": message}, status=400)


# Downloads of personal data: tenants' CSVs and PDFs, agents' trails.
TELECHARGEMENTS = ("text/csv", "application/pdf")


class AuditExportsMiddleware:
    """Every download of personal data a logged-in user gets (a 200 CSV or PDF, whichever view
    serves it, new ones included) is a line of the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reponse = self.get_response(request)
        user = getattr(request, "_cached_user", None)  # loaded by the view's access check
        if (reponse.status_code == 200 and reponse.get("Content-Type", "").startswith(TELECHARGEMENTS)
                and user is not None and user.is_authenticated):
            correspondance = request.resolver_match
            audit_enregistrer(type=TypeAudit.EXPORT, request=request, objet=request.get_full_path(), details={
                "vue": correspondance.view_name if correspondance else "",
                "fichier": reponse.get("Content-Disposition", "").partition("filename=")[2].strip('"'),
            })
        return reponse


class RepliqueMiddleware:
    """The routing state of each request (akig_ops/lib/replique.py) when a replica is
    configured: a browser that wrote (POST…) reads on the primary for `borne_retard_s()`
    seconds afterwards (cookie), until the replica has surely replayed its write."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replique.configuree():
            return self.get_response(request)
        with replique.requete(primaire_impose=replique.COOKIE_PRIMAIRE in request.COOKIES) as etat:
            reponse = self.get_response(request)
        if etat.ecrit and request.method not in replique.METHODES_SURES:
            reponse.set_cookie(
                replique.COOKIE_PRIMAIRE, "1", max_age=math.ceil(replique.borne_retard_s()),
                httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE,
            )
        return reponse


class HtmxConnexionMiddleware:
    """An htmx swap never receives the login page nor the 403 page to put in its table.

    A session that expired (or a logout in another tab) turns the next swap (the agents' list
    refreshing every minute, a sort, a filter, a page of the analysis) into login_required's 302;
    htmx would follow it and swap the whole login page into the table. Instead: an empty 200
    with `HX-Redirect: <login>?next=<the page the user is on>`, and htmx takes the whole window
    there. A 403 (a role taken away meanwhile) is not swapped by htmx (4xx: its
    `responseHandling`), so the table would silently stop changing: an empty 403 with
    `HX-Refresh`, and the page reloads as the French « Accès refusé » page.

    Not for a history restore (htmx asks for the whole page, which follows the 302 like any
    page) nor under /api/ (JSON 401/403 of their own). Below HtmxMiddleware (`request.htmx`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reponse = self.get_response(request)
        if request.path.startswith("/api/"):
            return reponse
        vers_connexion = _redirection_vers_connexion(reponse)
        if not vers_connexion and reponse.status_code != 403:
            return reponse
        if request.htmx and not request.htmx.history_restore_request:
            if vers_connexion:
                reponse = HttpResponseClientRedirect(redirect_to_login(_page_courante(request)).url)
            else:
                reponse = HttpResponseClientRefresh()
                reponse.status_code = 403
        # The answer depends on HX-Request: no cache serves one for the other.
        patch_vary_headers(reponse, ("HX-Request",))
        return reponse


def _redirection_vers_connexion(reponse) -> bool:
    """True for login_required's answer: a 302 to settings.LOGIN_URL (`?next=` aside)."""
    return (reponse.status_code == 302
            and urlsplit(reponse["Location"]).path == urlsplit(resolve_url(settings.LOGIN_URL)).path)


def _page_courante(request) -> str:
    """The path and query string of the page the user is on: htmx's HX-Current-URL when it is
    this site's (same scheme and host, and no `//other.host` path: the login page would send
    the user there), else the request's own."""
    courante = request.htmx.current_url_abs_path  # None for another scheme or host
    if courante and url_has_allowed_host_and_scheme(courante, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return courante
    return request.get_full_path()
