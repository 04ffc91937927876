"""makemessages without fuzzy matching: our source strings are French, so a new entry must
stay empty (or, for a plural, be filled with its own two forms), never be pre-filled with a
look-alike (« %(pa)s paiement » once came out as « %(n)s page »). README, « Traductions »."""
from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
