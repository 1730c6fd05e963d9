#!/usr/bin/env bash
# Installs Alertmanager (Debian's prometheus-alertmanager) for the alert sink's
# integration test, which posts to a real Alertmanager and reads back through its API.
# Idempotent; does nothing when the binary is already there. Needs root and apt.
# The package's service is not started: the test runs its own instance on a free port.
set -euo pipefail

if command -v prometheus-alertmanager >/dev/null || command -v alertmanager >/dev/null; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "install-alertmanager: no apt-get here; install Alertmanager yourself or set ALERTMANAGER_BIN" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# policy-rc.d 101: the package must not start (or fail to start) its own service.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get install -y --no-install-recommends prometheus-alertmanager
