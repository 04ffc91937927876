"""The ops token of scripts and Prometheus (settings.AKIG_OPS_TOKEN), and the JSON refusals of
the endpoints that accept it."""
import hmac

from django.conf import settings
from django.http import JsonResponse


def jeton_ops_valide(request) -> bool:
    """True when the request carries `Authorization: Bearer <AKIG_OPS_TOKEN>` (compared in
    constant time); never when no token is configured."""
    attendu = settings.AKIG_OPS_TOKEN
    schema, _sep, jeton = request.headers.get("Authorization", "").partition(" ")
    return bool(attendu) and schema.lower() == "bearer" and hmac.compare_digest(jeton.encode(), attendu.encode())


def refus_json(*, statut: int, message: str) -> JsonResponse:
    """A JSON refusal {"erreur": message}; a 401 names the Bearer scheme."""
    reponse = JsonResponse({"erreur": message}, status=statut)
    if statut == 401:
        reponse["WWW-Authenticate"] = 'Bearer realm="akig-ops"'
    return reponse
