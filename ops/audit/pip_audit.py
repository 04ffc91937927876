"""`make audit`: pip-audit on the pinned requirements, said plainly.

Exit 1 when a pinned package has a known vulnerability (pip-audit lists it and its fix).
When the vulnerability service cannot be reached (an offline or proxied machine: pip-audit then
skips every package as "not found on PyPI"), say that nothing was audited and exit 0, so CI on
such a machine does not fail for the network; run `make audit` where PyPI is reachable.
"""
import json
import subprocess
import sys


def main() -> int:
    fichiers = sys.argv[1:] or ["requirements.txt"]
    commande = [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "-f", "json"]
    for fichier in fichiers:
        commande += ["-r", fichier]
    resultat = subprocess.run(commande, capture_output=True, text=True)
    try:
        rapport = json.loads(resultat.stdout)
    except json.JSONDecodeError:
        print(f"pip-audit n'a pas pu s'exécuter (code {resultat.returncode}) :\n{resultat.stderr.strip()}")
        print("AUDIT NON FAIT : service de vulnérabilités injoignable depuis cette machine.")
        return 0
    dependances = rapport["dependencies"]
    sautees = [d for d in dependances if d.get("skip_reason")]
    auditees = [d for d in dependances if not d.get("skip_reason")]
    vulnerables = [d for d in auditees if d.get("vulns")]
    if not auditees:
        print(f"AUDIT NON FAIT : aucune des {len(dependances)} dépendances n'a pu être vérifiée "
              f"(service de vulnérabilités PyPI injoignable depuis cette machine ; "
              f"exemple : {sautees[0]['skip_reason'] if sautees else 'aucune dépendance'}).")
        return 0
    for dependance in vulnerables:
        for vuln in dependance["vulns"]:
            correctifs = ", ".join(vuln.get("fix_versions", [])) or "aucun"
            print(f"{dependance['name']} {dependance['version']} : {vuln['id']} (corrigé en : {correctifs})")
    print(f"{len(auditees)} dépendances auditées, {len(sautees)} non vérifiables, "
          f"{len(vulnerables)} avec une vulnérabilité connue.")
    return 1 if vulnerables else 0


if __name__ == "__main__":
    sys.exit(main())
