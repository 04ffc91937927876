"""The series /metrics adds to django-prometheus' own: services up, heartbeats, the stored
business gauges (akig_ops.lib.metriques) and Celery's task counters."""
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from akig_ops.celery import app
from akig_ops.lib import replique, sondes
from akig_ops.lib.compteurs import compteurs_lire
from akig_ops.lib.metriques_celery import compteurs_taches
from akig_ops.models import Battement
from akig_ops.services import METRIQUES_METIER


class CollecteurAkig:
    """The series /metrics adds to django-prometheus' requests: services up, heartbeats,
    the stored business gauges and Celery's task counters. Read at scrape time with one
    query (the heartbeats) and one cache read; no business SQL."""

    def describe(self):
        return []  # nothing to check at registration: the names come from the data

    def collect(self):
        etats = {"database": sondes.etat_base(), "cache": sondes.etat_cache(), "broker": sondes.etat_broker(app=app)}
        for service, etat in etats.items():
            yield GaugeMetricFamily(
                f"akig_{service}_up", f"1 si le service ({service}) répond", value=int(etat != sondes.INDISPONIBLE)
            )
        yield from self._replique()
        if etats["database"] == sondes.CONNECTE:
            yield from self._depuis_battements()
        yield from self._compteurs_metier()
        compteurs = compteurs_taches(app=app)
        if compteurs is None:
            return  # unreadable: left out of this scrape (zeros would read as a counter reset)
        taches = CounterMetricFamily(
            "akig_celery_taches", "Exécutions de tâches Celery terminées, par tâche et issue", labels=["tache", "etat"]
        )
        for (tache, etat), nombre in compteurs.items():
            taches.add_metric([tache, etat], nombre)
        yield taches

    @staticmethod
    def _replique():
        """The replica's state (nothing without DATABASE_REPLICA_URL), from its cached measure."""
        if not replique.configuree():
            return
        mesure = replique.etat_courant()
        yield GaugeMetricFamily("akig_replica_up", "1 si la réplique répond", value=int(mesure.etat != replique.INDISPONIBLE))
        yield GaugeMetricFamily(
            "akig_replica_lectures", "1 si les lectures analytiques vont à la réplique (à jour, en récupération)",
            value=int(mesure.utilisable),
        )
        if mesure.retard_s is not None:
            yield GaugeMetricFamily(
                "akig_replica_retard_secondes", "Retard de la réplique sur la primaire (secondes)", value=mesure.retard_s
            )

    @staticmethod
    def _compteurs_metier():
        """The apps' counters (akig_ops.lib.compteurs); none while the cache cannot be read."""
        for compteur, valeurs in compteurs_lire() or []:
            famille = CounterMetricFamily(compteur.nom, compteur.aide, labels=[compteur.etiquette])
            for valeur, nombre in valeurs.items():
                famille.add_metric([valeur], nombre)
            yield famille

    @staticmethod
    def _depuis_battements():
        battements = GaugeMetricFamily(
            "akig_battement_dernier_succes_timestamp_seconds",
            "Instant (epoch) du dernier succès de chaque tâche périodique",
            labels=["tache"],
        )
        stockees = {}
        for nom, instant, details in Battement.objects.values_list("nom", "dernier_succes", "details"):
            battements.add_metric([nom], instant.timestamp())
            if nom == METRIQUES_METIER:
                stockees = details
        yield battements
        for jauge in stockees.get("jauges", []):
            famille = GaugeMetricFamily(jauge["nom"], jauge["aide"], labels=jauge["etiquettes"])
            for etiquettes, valeur in jauge["valeurs"]:
                famille.add_metric(etiquettes, valeur)
            yield famille
        en_echec = GaugeMetricFamily(
            "akig_jauges_metier_en_echec", "1 pour chaque fonction de jauges en échec au dernier calcul",
            labels=["fonction"],
        )
        for fonction in stockees.get("en_echec", []):
            en_echec.add_metric([fonction], 1)
        yield en_echec
