#!/usr/bin/env bash
# What `make test` needs besides Python packages: Debian's chromium (browser tests), CJK fonts
# (readable screenshots), poppler-utils (pdftotext and pdftoppm read the licence PDFs; pdfsig checks sealed
# ones), softhsm2 (the PKCS#11 seal signer's tests), libnss3-tools (certutil: the NSS database pdfsig trusts
# the platform root from), espeak-ng (the hall board's voice) and a running PostgreSQL. Installs or starts
# them when missing and possible.
set -uo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
{ command -v pdftoppm && command -v pdftotext; } >/dev/null 2>&1 || need+=(poppler-utils)
command -v softhsm2-util >/dev/null 2>&1 || need+=(softhsm2)
command -v certutil >/dev/null 2>&1 || need+=(libnss3-tools)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${need[*]} ..."
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
      || { echo "could not install ${need[*]}"; exit 1; }
  else
    echo "missing: ${need[*]} (install them with apt-get as root)"; exit 1
  fi
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL is not reachable on 127.0.0.1:5432"; exit 1; }
fi
if command -v redis-cli >/dev/null && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  command -v redis-server >/dev/null && redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
fi
exit 0
