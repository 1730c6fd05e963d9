#!/usr/bin/env bash
# Installs the third-party clients of the interop test (ConfluentJsInteropIT in schemas):
# Confluent's JavaScript Schema Registry client with its Avro deserializer, and KafkaJS,
# exactly as pinned in schemas/src/test/node/package-lock.json (npm ci). Needs Node.js 20+
# and npm; when node is missing it takes Debian's packages. Idempotent: does nothing when
# the packages are already installed from the current lock file.
set -euo pipefail

project="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../schemas/src/test/node" && pwd)"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1 || [[ $(id -u) -ne 0 ]]; then
    echo "install-node-interop: Node.js 20+ and npm are needed; install them (as root with apt, or from your" \
         "platform's packages) and run this again" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  command -v node >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends nodejs >/dev/null
  command -v npm >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

major="$(node --version | sed -E 's/^v([0-9]+).*/\1/')"
if (( major < 20 )); then
  echo "install-node-interop: Node.js 20+ is needed (Confluent's client depends on packages that need it)," \
       "found $(node --version); install a newer Node.js and run this again" >&2
  exit 1
fi

# npm ci leaves node_modules/.package-lock.json behind, newer than the lock file it came from.
if [[ -f "$project/node_modules/.package-lock.json" \
      && "$project/node_modules/.package-lock.json" -nt "$project/package-lock.json" ]]; then
  exit 0
fi
(cd "$project" && npm ci --no-audit --no-fund --loglevel=error)
echo "install-node-interop: installed $(cd "$project" && npm ls --depth=0 --parseable 2>/dev/null \
  | tail -n +2 | sed 's#.*/node_modules/##' | paste -sd ' ') in $project"
