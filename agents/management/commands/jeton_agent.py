"""manage.py jeton_agent CODE — a new field API token for one agent (revokes the previous one)."""
from django.core.management.base import BaseCommand, CommandError

from agents.models import Agent
from agents.services import jeton_creer


class Command(BaseCommand):
    help = "Crée le jeton de l'API terrain d'un agent (le précédent est révoqué) et l'affiche une seule fois."

    def add_arguments(self, parser):
        parser.add_argument("code", help="Code de l'agent (agents.csv).")

    def handle(self, *args, code, **options):
        agent = Agent.objects.filter(code=code).first()
        if agent is None:
            raise CommandError(f"Agent inconnu : « {code} ».")
        if not agent.actif:
            raise CommandError(f"L'agent « {code} » est inactif : pas de jeton.")
        jeton = jeton_creer(agent_id=agent.id)
        self.stderr.write(f"Jeton de {agent.code} ({agent.nom}) — à copier dans le téléphone, il ne sera plus affiché :")
        self.stdout.write(jeton)
