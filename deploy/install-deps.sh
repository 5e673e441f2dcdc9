#!/usr/bin/env bash
# install-deps.sh - install the Debian 12 packages cabinet needs to build,
# run and test. Idempotent: installs only what is missing, does nothing (and
# needs no network) when everything is present. Called by `make run`,
# `make test` and `make bench`.
set -euo pipefail

PKGS=(
  build-essential pkg-config
  libzmq3-dev                        # ZeroMQ: RPC inside a node, live PUB
  libprotobuf-c-dev protobuf-c-compiler  # message envelopes
  libpq-dev postgresql postgresql-contrib # storage (+ unaccent, pg_trgm)
  librdkafka-dev kcat                # Kafka events; kcat for tests
  libssl-dev                         # crypto: hashes, random, TLS
  libldap2-dev slapd ldap-utils      # directory sign-in; slapd for tests
  libcmocka-dev                      # unit tests
  libmicrohttpd-dev libjansson-dev   # gateway HTTP + JSON
  libargon2-dev                      # password hashing
  libutf8proc-dev                    # Unicode NFC normalisation
  libmagic-dev                       # documents: the kind of a file, from its bytes
  libzip-dev libxml2-dev             # documents: Office Open XML (docx, xlsx, pptx)
  libpoppler-glib-dev                # documents: PDF pages and text
  libcurl4-openssl-dev               # notifications: SMTP mail and the SMS gateway's HTTP
  libical-dev                        # notifications: iCalendar invitations and feeds
  curl jq wrk                        # integration tests and benchmarks
  python3                            # integration tests: the files uploaded (standard library only)
  python3-aiosmtpd                   # integration tests: the real SMTP server mail goes to
  lame vorbis-tools opus-tools flac   # integration tests: real audio recordings (MP3, Ogg, Opus, FLAC)
  clang libclang-rt-14-dev           # make fuzz (libFuzzer)
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "cabinet: installing missing packages: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# slapd's own package scripts would otherwise start a system-wide server and
# ask questions; we only need its binaries (tests start their own slapd).
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
