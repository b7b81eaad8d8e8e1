#!/usr/bin/env bash
# Makes sure Debian's Prometheus server is installed for the test that scrapes `atm run --prometheus`
# with the real thing. Idempotent: does nothing when a `prometheus` binary is already there.
# Only the binary is used (the test starts its own instance); the Debian service is not needed.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1 || [ -x /usr/bin/prometheus ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "[setup-prometheus] Prometheus is missing and this user cannot install it: run 'apt-get install prometheus' as root." >&2
  exit 1
fi
echo "[setup-prometheus] installing Debian's prometheus" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# --no-install-recommends: the server binary is all the test needs, not the exporters.
apt-get install -y -qq --no-install-recommends prometheus >&2
