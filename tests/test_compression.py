"""Pages are gzipped for a browser that asks (a phone on mobile data), with the CSRF token masked
afresh in each answer (BREACH, docs/security.md); static files keep WhiteNoise's own handling."""
import gzip
import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _jeton(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_page_is_gzipped_when_asked_and_plain_otherwise(client):
    client.force_login(UserFactory(username="pdg@akig.local", groups=["Direction"]))

    compresse = client.get(reverse("agents:liste"), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    simple = client.get(reverse("agents:liste"))

    assert compresse["Content-Encoding"] == "gzip" and "Accept-Encoding" in compresse["Vary"]
    html = gzip.decompress(compresse.content).decode()
    assert "<html" in html and len(compresse.content) < len(html.encode()) / 2
    assert not simple.has_header("Content-Encoding") and "<html" in simple.content.decode()
    # The CSRF token (the page's only secret) differs in every answer: its compressed size tells nothing.
    assert _jeton(html) != _jeton(simple.content.decode())
