#!/usr/bin/env bash
# What `make drill` and CI need on a fresh Debian machine: PostgreSQL's server binaries
# (initdb, pg_ctl) and pgBackRest, from Debian's packages. Idempotent; quiet when present.
set -euo pipefail
paquets=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || paquets+=(postgresql)
command -v pgbackrest >/dev/null 2>&1 || paquets+=(pgbackrest)
if ((${#paquets[@]})); then
  echo "Installation de ${paquets[*]} (paquets Debian)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${paquets[@]}" >/dev/null
fi
