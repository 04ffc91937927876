"""Links to the agent page that messages, pages and PDFs of escalations carry."""
import datetime
import math
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import timezone


def url_agent(agent_id: int, *, debut: datetime.datetime | None = None, fin: datetime.datetime | None = None) -> str:
    """The agent's page (agents:detail, the contract's /agents/<id>/); with `fin`, on the day and
    window the message speaks of: ?jour=&debut=&fin= (from `debut`, or midnight, to `fin` rounded up
    to its minute, on fin's local day)."""
    try:
        url = reverse("agents:detail", args=[agent_id])
    except NoReverseMatch:  # the agents pages are not installed in this build
        url = f"/agents/{agent_id}/"
    if fin is None:
        return url
    fin = timezone.localtime(fin)
    jour = (fin - datetime.timedelta(microseconds=1)).date()  # a window ending at midnight is the day before's
    minuit = timezone.make_aware(datetime.datetime.combine(jour, datetime.time.min))
    plafond = minuit + datetime.timedelta(hours=23, minutes=59)
    fin_minute = min(minuit + datetime.timedelta(minutes=math.ceil((fin - minuit).total_seconds() / 60)), plafond)
    debut_minute = max(timezone.localtime(debut).replace(second=0, microsecond=0), minuit) if debut else minuit
    if debut_minute >= fin_minute:
        debut_minute = minuit
    return url + "?" + urlencode(
        {"jour": jour.isoformat(), "debut": f"{debut_minute:%H:%M}", "fin": f"{fin_minute:%H:%M}"}, safe=":"
    )


def url_impayes(*, retard_min: int, site_id: int | None = None) -> str:
    """The dashboard's view of what an impayés alert speaks of: a site's page for a site's
    alert (dashboard:site), else the analysis over the rule's delay, in the runbook's form
    `/dashboard/impayes?filter=retard:<retard_min>+`."""
    if site_id is not None:
        return reverse("dashboard:site", args=[site_id])
    return reverse("dashboard:impayes") + f"?filter=retard:{retard_min}+"
