#!/usr/bin/env bash
# Installs the Debian packages Barkeep's tests need: an OpenSSH server (real
# sshd on 127.0.0.1), rsync, Debian's chromium (Playwright drives it), xvfb,
# openssl (a TLS test's certificate), zstd (network_compression's tests),
# and the PostgreSQL 15 server when its binaries are missing. Needs root.
set -euo pipefail
packages=()
command -v /usr/sbin/sshd >/dev/null || packages+=(openssh-server)
command -v rsync >/dev/null || packages+=(rsync)
command -v chromium >/dev/null || packages+=(chromium)
command -v Xvfb >/dev/null || packages+=(xvfb)
command -v openssl >/dev/null || packages+=(openssl)
command -v zstd >/dev/null || packages+=(zstd)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || packages+=(postgresql-15 postgresql-client-15)
if [ ${#packages[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "installing: ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
