"""One URL serves a page and, for htmx, only the part it swaps."""
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def page_ou_partiel(request, *, page: str, partiel: str, context: dict, status: int = 200):
    """Render the whole `page`, or only `partiel` for an htmx swap; not for a history
    restore (htmx asks again for a pushed URL it no longer has: that needs the page). The
    answer varies with HX-Request, so no cache serves one for the other."""
    htmx = request.htmx and not request.htmx.history_restore_request
    reponse = render(request, partiel if htmx else page, context, status=status)
    patch_vary_headers(reponse, ("HX-Request",))
    return reponse
