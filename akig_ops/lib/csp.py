"""The Content-Security-Policy's sources that come from the configuration."""
from urllib.parse import urlsplit


def origine_tuiles(url: str) -> str | None:
    """The origin of an XYZ tile URL, as a CSP source; None when there is no tile server.

    `https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png` → `https://*.tile.openstreetmap.org`
    (Leaflet's `{s}` picks a subdomain: any of them). Only the scheme, host and port: a CSP
    source with a path would allow that path alone, and the tiles' paths vary.
    """
    if not url:
        return None
    partie = urlsplit(url.replace("{s}", "SOUSDOMAINE"))
    if partie.scheme not in ("http", "https") or not partie.hostname:
        return None
    hote = partie.netloc.rsplit("@", 1)[-1].replace("SOUSDOMAINE", "*").lower()
    return f"{partie.scheme}://{hote}"
