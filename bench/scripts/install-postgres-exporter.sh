#!/usr/bin/env bash
# Installs Debian's prometheus-postgres-exporter (0.11 on bookworm) for `./pgpulse bench collector`.
# The package would start a system service; the benchmark runs its own exporter on a free
# port, so services are kept from starting during the install. Not run by CI (benchmarks
# are not tests), hence not under deploy/scripts/install-*.sh.
set -euo pipefail

if [[ -x /usr/bin/prometheus-postgres-exporter ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-postgres-exporter: run as root (apt-get), or install prometheus-postgres-exporter yourself" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
created_policy=false
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=true
fi
trap '[[ $created_policy == true ]] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends prometheus-postgres-exporter >/dev/null
echo "install-postgres-exporter: installed $(/usr/bin/prometheus-postgres-exporter --version 2>&1 | head -n 1)"
