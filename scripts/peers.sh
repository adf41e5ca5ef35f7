#!/usr/bin/env bash
# The Debian packages `npm test` needs beside Node.js, in one list (.ci/run runs this too). As root
# with apt-get, the missing ones are installed (one apt-get update, then apt-get install); otherwise
# it stops at once, before any test, with the command that installs them.
set -euo pipefail

missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need openssl openssl
need ss iproute2
need ip iproute2
need script bsdutils
need unshare util-linux
need nsenter util-linux
need setpriv util-linux
need pgrep procps
need bwrap bubblewrap
need tcpdump tcpdump
need tshark tshark
need chromium chromium
[ -x /usr/bin/python3 ] || missing+=(python3)
/usr/bin/python3 -c 'import websocket' >/dev/null 2>&1 || missing+=(python3-websocket)
[ ${#missing[@]} -eq 0 ] && exit 0

packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing what the tests need: ${packages}"
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages} >/dev/null
else
  echo "npm test needs Debian packages that are missing; install them with: sudo apt-get update && sudo apt-get install -y ${packages}" >&2
  exit 1
fi
