"""The product's roles, as Django auth groups (created by agents/migrations/0003_groups.py)."""

DIRECTION = "Direction"
CHEF_EQUIPE = "Chef d'équipe"
# The chief executive: also in Direction; the top of the escalation ladder
# (group created by escalations/migrations/0002_defaults.py).
PDG = "PDG"
# Directors read every business table in the admin; team leads never use the admin
# (it cannot restrict them to their own teams).
APPS_CONSULTEES_PAR_LA_DIRECTION = ("recovery", "agents")


def _groupes(user) -> set[str]:
    """The user's group names, read once per request (a view and its selectors all ask)."""
    if not hasattr(user, "_groupes_akig"):
        user._groupes_akig = set(user.groups.values_list("name", flat=True))
    return user._groupes_akig


def is_direction(user) -> bool:
    """True for a director (PDG / Direction) or a superuser."""
    return user.is_superuser or DIRECTION in _groupes(user)


def is_chef_equipe(user) -> bool:
    """True for a team lead."""
    return CHEF_EQUIPE in _groupes(user)


def is_direction_ou_chef_equipe(user) -> bool:
    """True for anyone with a role on the agents' and escalations' pages: a director or a team lead."""
    return is_direction(user) or is_chef_equipe(user)


def grant_direction_view_permissions(**kwargs) -> None:
    """post_migrate: give the Direction group the view permission of every business model.

    Permissions only exist after post_migrate has created them, hence a signal and
    not a data migration.
    """
    # Not at the top: the apps' apps.py import this module while the app registry loads,
    # before any model can be imported.
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.filter(name=DIRECTION).first()
    if group is None:
        return
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=APPS_CONSULTEES_PAR_LA_DIRECTION, codename__startswith="view_"
        )
    )
