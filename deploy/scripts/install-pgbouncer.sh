#!/usr/bin/env bash
# Installs PgBouncer (Debian's pgbouncer package) for the collector's PgBouncer test, if missing.
# The package enables a system service listening on 6432; the tests start their own
# pgbouncer on a free port, so the packaged service is stopped and disabled again.
set -euo pipefail

if command -v pgbouncer >/dev/null 2>&1 || [[ -x /usr/sbin/pgbouncer ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-pgbouncer: run as root (apt-get), or install the pgbouncer package yourself" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# No service may start during the install (policy-rc.d exit 101 = "not allowed").
policy=/usr/sbin/policy-rc.d
created_policy=false
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=true
fi
trap '[[ $created_policy == true ]] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null
echo "install-pgbouncer: installed $(/usr/sbin/pgbouncer --version | head -n 1)"
