"""The product's roles, as Django auth groups (created by agents/migrations/0003_groups.py)."""

DIRECTION = "Direction"
CHEF_EQUIPE = "Chef d'équipe"


def is_direction(user) -> bool:
    """True for a director (PDG / Direction) or a superuser."""
    return user.is_superuser or user.groups.filter(name=DIRECTION).exists()


def is_chef_equipe(user) -> bool:
    """True for a team lead."""
    return user.groups.filter(name=CHEF_EQUIPE).exists()
