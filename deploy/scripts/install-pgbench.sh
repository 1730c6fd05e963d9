#!/usr/bin/env bash
# Installs pgbench (Debian's postgresql-15 package) for the load tests, if missing.
# The package would create and start a "main" cluster; pgpulse needs only the client
# binary, so cluster creation is switched off first: nothing is left running.
set -euo pipefail

if command -v pgbench >/dev/null 2>&1 || [[ -x /usr/lib/postgresql/15/bin/pgbench ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-pgbench: run as root (apt-get), or install postgresql-15 yourself" >&2
  exit 1
fi
mkdir -p /etc/postgresql-common
if ! grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf; then
  echo 'create_main_cluster = false' >> /etc/postgresql-common/createcluster.conf
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null
echo "install-pgbench: installed $(/usr/lib/postgresql/15/bin/pgbench --version)"
