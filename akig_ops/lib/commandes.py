"""Management-command helpers: an option's former name, still accepted for a release.

Options are named in French when they are the business's words (`--depuis`, `--profil`);
the English names they had before keep working, with a warning on stderr, until removed.
"""
from __future__ import annotations

import argparse
import sys


class OptionObsolete(argparse.Action):
    """Store like the option that replaces it (same destination) and say it is deprecated."""

    def __init__(self, option_strings, dest, *, remplacee_par: str, **kwargs):
        super().__init__(option_strings, dest, **kwargs)
        self.remplacee_par = remplacee_par

    def __call__(self, parser, namespace, values, option_string=None):
        sys.stderr.write(
            f"Attention : l'option {option_string} est obsolète et sera retirée ; "
            f"utilisez {self.remplacee_par}.\n"
        )
        setattr(namespace, self.dest, self.const if self.nargs == 0 else values)


def option_renommee(parser, ancienne: str, nouvelle: str, *, drapeau: bool = False, **kwargs) -> None:
    """Accept `ancienne` as a deprecated spelling of the option `nouvelle` (added before it).

    `drapeau`: the option takes no value (store_true). Hidden from --help; `kwargs` are the
    new option's (type, choices) so the old spelling checks its value the same way.
    """
    if drapeau:
        kwargs.update(nargs=0, const=True)
    parser.add_argument(
        ancienne, dest=nouvelle.lstrip("-").replace("-", "_"), action=OptionObsolete, remplacee_par=nouvelle,
        default=argparse.SUPPRESS, help=argparse.SUPPRESS, **kwargs,
    )
