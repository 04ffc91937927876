"""Read settings from the environment and fail loudly on a bad value.

django-environ parses DATABASE_URL; these helpers (env_redis_url for Redis) add the
strictness it lacks: an unknown boolean or a malformed time stops the start-up
with the variable's name instead of silently becoming False or a default.
"""
import datetime
import ipaddress
import os
import zoneinfo

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    """The variable's value, or `default`; with no default it must be set."""
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"{name} must be set")
    return value


def env_redis_url(name: str, default: str) -> str:
    """A redis://, rediss:// or unix:// URL, or `default` ("" for none)."""
    value = env_str(name, default)
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"{name}={value!r} is not a redis:// URL")
    return value


def env_bool(name: str, default: bool) -> bool:
    """A boolean written 1/0, true/false, yes/no or on/off."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """An integer, at least `minimum` when given."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blanks are dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_time(name: str, default: str) -> datetime.time:
    """A time of day written HH:MM."""
    raw = os.environ.get(name, default)
    try:
        return datetime.datetime.strptime(raw, "%H:%M").time()
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a time HH:MM") from None


def env_date(name: str, default: str) -> datetime.date:
    """A calendar day written YYYY-MM-DD."""
    raw = os.environ.get(name, default)
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a date YYYY-MM-DD") from None


def env_timezone(name: str, default: str) -> str:
    """An IANA time-zone name that this machine knows."""
    raw = os.environ.get(name, default)
    try:
        zoneinfo.ZoneInfo(raw)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a known time zone") from None
    return raw


def env_reseaux(name: str, default: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A comma-separated list of networks written in CIDR (`10.0.0.0/8`) or single addresses."""
    reseaux = []
    for item in env_list(name, default):
        try:
            reseaux.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {item!r} is not a network (e.g. 10.0.0.0/8)") from None
    return reseaux
