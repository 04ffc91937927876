"""What the demo draws its world from: Paris's box and streets, sectors, names, outcome texts."""
from __future__ import annotations

import math

# --- Paris. Sites stay in this box (the dashboard map's bounds).

LAT_MIN, LAT_MAX = 48.815, 48.900
LON_MIN, LON_MAX = 2.25, 2.42
M_PAR_DEG_LAT = 111_320.0
M_PAR_DEG_LON = M_PAR_DEG_LAT * math.cos(math.radians(48.857))

# (postal code, centre, a few streets) of each arrondissement: a site's address
# is on a street of the arrondissement whose centre is nearest.
ARRONDISSEMENTS = [
    ("75001", 48.8625, 2.3364, ["rue Saint-Honoré", "rue du Louvre", "rue de Richelieu"]),
    ("75002", 48.8683, 2.3428, ["rue Montorgueil", "rue Réaumur", "rue d'Aboukir"]),
    ("75003", 48.8630, 2.3600, ["rue de Bretagne", "rue Charlot", "rue de Turbigo"]),
    ("75004", 48.8543, 2.3576, ["rue Saint-Antoine", "rue du Temple", "rue des Archives"]),
    ("75005", 48.8445, 2.3496, ["rue Mouffetard", "rue Monge", "boulevard Saint-Marcel"]),
    ("75006", 48.8491, 2.3328, ["rue de Rennes", "rue du Cherche-Midi", "rue d'Assas"]),
    ("75007", 48.8562, 2.3122, ["rue de Grenelle", "rue Cler", "avenue de Suffren"]),
    ("75008", 48.8727, 2.3125, ["rue de Rome", "boulevard Malesherbes", "rue de Miromesnil"]),
    ("75009", 48.8771, 2.3375, ["rue des Martyrs", "rue La Fayette", "rue de Maubeuge"]),
    ("75010", 48.8761, 2.3607, ["rue du Faubourg-Saint-Denis", "rue de Paradis", "quai de Valmy",
                                "rue Louis-Blanc"]),
    ("75011", 48.8590, 2.3800, ["rue Oberkampf", "boulevard Voltaire", "rue de la Roquette",
                                "rue de Charonne"]),
    ("75012", 48.8400, 2.3880, ["avenue Daumesnil", "rue de Charenton", "boulevard Poniatowski",
                                "rue de Picpus"]),
    ("75013", 48.8283, 2.3623, ["avenue d'Italie", "rue de Tolbiac", "boulevard Masséna",
                                "rue Nationale", "avenue de Choisy", "rue du Château-des-Rentiers"]),
    ("75014", 48.8292, 2.3265, ["rue d'Alésia", "avenue du Maine", "rue Didot", "boulevard Brune",
                                "rue de la Tombe-Issoire"]),
    ("75015", 48.8401, 2.2931, ["rue de Vaugirard", "rue de la Convention", "rue Lecourbe",
                                "boulevard Victor", "rue Balard"]),
    ("75016", 48.8600, 2.2750, ["avenue Mozart", "rue de Passy", "boulevard Exelmans",
                                "rue d'Auteuil"]),
    ("75017", 48.8873, 2.3067, ["avenue de Clichy", "rue Legendre", "boulevard Bessières",
                                "rue Cardinet", "rue de la Jonquière"]),
    ("75018", 48.8925, 2.3484, ["rue Ordener", "rue Marcadet", "rue de Clignancourt",
                                "boulevard Ney", "rue Championnet", "rue Myrha"]),
    ("75019", 48.8871, 2.3848, ["rue de Crimée", "avenue Jean-Jaurès", "rue de Flandre",
                                "rue Manin", "rue d'Hautpoul", "boulevard Macdonald"]),
    ("75020", 48.8634, 2.4012, ["rue de Belleville", "rue des Pyrénées", "rue de Bagnolet",
                                "rue de Ménilmontant", "boulevard Mortier", "rue Saint-Blaise"]),
]

# One team per sector; the small profile takes the first two. (slug, name, centre)
SECTEURS = [
    ("nord", "Nord", 48.8910, 2.3560),
    ("sud", "Sud", 48.8240, 2.3700),
    ("est", "Est", 48.8630, 2.4030),
    ("ouest", "Ouest", 48.8420, 2.2820),
    ("centre", "Centre", 48.8600, 2.3500),
    ("montmartre", "Montmartre", 48.8890, 2.3330),
    ("batignolles", "Batignolles", 48.8880, 2.3100),
    ("villette", "La Villette", 48.8890, 2.3850),
    ("belleville", "Belleville", 48.8720, 2.3820),
    ("republique", "République", 48.8700, 2.3620),
    ("bastille", "Bastille", 48.8530, 2.3750),
    ("nation", "Nation", 48.8460, 2.4000),
    ("bercy", "Bercy", 48.8350, 2.3850),
    ("italie", "Italie", 48.8320, 2.3450),
    ("alesia", "Alésia", 48.8280, 2.3250),
    ("montparnasse", "Montparnasse", 48.8420, 2.3200),
    ("vaugirard", "Vaugirard", 48.8360, 2.2990),
    ("passy", "Passy", 48.8570, 2.2750),
    ("ternes", "Ternes", 48.8800, 2.2950),
    ("opera", "Opéra", 48.8720, 2.3350),
]

NOMS_RESIDENCE = [
    "Les Tilleuls", "Les Acacias", "Les Lilas", "Bellevue", "Les Peupliers", "du Parc",
    "Les Marronniers", "Les Glycines", "Les Cèdres", "Le Belvédère", "Les Iris", "Les Érables",
    "du Moulin", "Les Platanes", "Le Clos Fleuri", "Les Charmilles", "Les Mimosas", "du Verger",
    "Les Hortensias", "Les Magnolias", "Le Panorama", "Les Capucines", "L'Orangerie",
    "Les Sablons", "Les Rosiers", "Les Bleuets", "Les Saules", "Les Jardins", "La Roseraie",
    "Les Lavandières", "Le Square", "Les Terrasses", "Les Vergers", "La Fontaine", "Les Mésanges",
]
TYPES_ENSEMBLE = ["Cité", "Îlot", "Ensemble", "Résidence", "Square"]

PRENOMS = [
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Sandrine", "Céline", "Julie",
    "Camille", "Léa", "Chloé", "Manon", "Inès", "Sarah", "Fatima", "Aïcha", "Aminata", "Mariam",
    "Yasmina", "Nadia", "Sofia", "Emma", "Louise", "Amandine", "Christine", "Valérie", "Sophie",
    "Jean", "Pierre", "Michel", "Philippe", "Alain", "Nicolas", "Christophe", "Laurent",
    "Stéphane", "Julien", "Thomas", "Antoine", "Maxime", "Lucas", "Hugo", "Mohamed", "Karim",
    "Youssef", "Mamadou", "Moussa", "Ibrahim", "Rachid", "Samir", "Kevin", "Franck", "David",
    "Olivier", "Patrick", "Éric", "Frédéric", "Sébastien", "Thierry", "Bruno", "Mehdi", "Bilal",
    "Ousmane", "Adama", "Tiago", "Paulo", "Minh", "Wei", "Ana", "Elena",
]
NOMS = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc",
    "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément",
    "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Benali", "Haddad",
    "Mansouri", "Bouzid", "Diallo", "Traoré", "Koné", "Camara", "Cissé", "Sow", "Ndiaye",
    "Diop", "Nguyen", "Tran", "Pereira", "Da Silva", "Ferreira", "Rodrigues", "Kaya", "Yilmaz",
    "Cohen", "Lévy", "Rossi", "Bianchi", "Popescu", "Nowak", "Renard", "Barbier", "Arnaud",
    "Marchand", "Colin", "Lemoine", "Brunet", "Masson", "Meunier", "Boyer", "Caron", "Giraud",
]

# Outcome texts per action type; "{m}" is an amount, "{d}" a date.
RESULTATS = {
    "visite": [
        "Locataire rencontré, situation expliquée",
        "Échéancier proposé, réponse attendue",
        "Courrier de relance remis en main propre",
        "Orienté vers le FSL pour une aide au paiement",
        "Locataire rencontré, dossier APL en cours",
    ],
    "promesse": [
        "Promesse de régler {m} € avant le {d}",
        "S'engage à verser {m} € le {d}",
        "Accord sur un échéancier, premier versement de {m} € le {d}",
    ],
    "paiement": [
        "Paiement de {m} € par chèque",
        "Paiement de {m} € en espèces, reçu remis",
        "Paiement de {m} € par carte bancaire",
        "Virement de {m} € confirmé sur place",
    ],
    "refus": [
        "Refus de payer, conteste le montant",
        "Refus, invoque des travaux non réalisés",
        "Locataire refuse le dialogue",
        "Refus, dit avoir déjà payé",
    ],
    "absent": [
        "Absent, avis de passage déposé",
        "Personne au domicile",
        "Absent, voisin prévenu",
        "Pas de réponse à l'interphone",
    ],
    "appel": [
        "Appel abouti, rappel de l'échéance",
        "Messagerie, message laissé",
        "Numéro injoignable",
        "Appel abouti, rendez-vous fixé",
    ],
    "sms": [
        "SMS de relance envoyé",
        "SMS suite à l'avis de passage",
        "SMS de rappel de rendez-vous",
    ],
}
RESULTAT_ANNULEE = "Rendez-vous annulé par le locataire"
RESULTAT_PLANIFIEE = "Rappel programmé"

JAMAIS = 10**9  # seconds: a stop that lasts past the end of the day
_HMS = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]
