#!/usr/bin/env bash
# Installs everything Omnimeter needs to build, test and run on Debian 12 (bookworm).
#
# Idempotent and quiet: packages already present are not touched, and apt is only
# called when something is missing. Run as root (or with sudo available).
#
#   scripts/install-deps.sh          # build + test + demo dependencies, then `npm ci` in web/
#   scripts/install-deps.sh --no-web # skip the npm step (C++ only)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
want_web=1
for arg in "$@"; do
  case "$arg" in
    --no-web) want_web=0 ;;
    *) echo "install-deps: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

# Boost 1.81 is named explicitly: the libboost-dev metapackage pulls 1.74, whose coroutine
# headers do not compile with g++ 12, and the two versions conflict.
packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libboost1.81-dev libssl-dev openssl libsqlite3-dev sqlite3 libpq-dev postgresql-15
  nlohmann-json3-dev libfmt-dev libspdlog-dev libcli11-dev libtomlplusplus-dev libexpected-dev
  libeigen3-dev libxgboost-dev libxlsxwriter-dev libargon2-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev
  chromium fonts-wqy-microhei curl jq unzip
)

# Node.js: the machine image may bring its own (nodesource node 20 with npm 11); a bare Debian 12
# gets Debian's nodejs 18 and npm 9, which the web build and the browser tests also accept.
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# promtool (for the /metrics format test) comes from the prometheus package, but installing
# that package would also install and start a Prometheus service. Unpack only the binary.
tools_dir="$here/.deps"
if [ ! -x "$tools_dir/bin/promtool" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq prometheus >/dev/null 2>&1 && dpkg -x prometheus_*.deb root) || {
    apt-get update -qq && (cd "$tmp" && apt-get download -qq prometheus >/dev/null && dpkg -x prometheus_*.deb root)
  }
  mkdir -p "$tools_dir/bin"
  cp "$tmp/root/usr/bin/promtool" "$tools_dir/bin/promtool"
  rm -rf "$tmp"
fi

# Each folder with a package-lock.json gets `npm ci`, but only
# when its lock file changed since the last run: web/ (the front end and the browser tests)
# and tests/node/ (independent SM2/SM3/SM4 implementations for interoperability tests).
if [ "$want_web" -eq 1 ]; then
  for dir in "$here/web" "$here/tests/node"; do
    [ -f "$dir/package-lock.json" ] || continue
    if ! command -v npm >/dev/null; then
      echo "install-deps: npm is required (node 20 + npm) for $dir" >&2
      exit 1
    fi
    stamp="$dir/node_modules/.omni-lock-stamp"
    if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
      echo "install-deps: npm ci in ${dir#$here/}" >&2
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
      cp "$dir/package-lock.json" "$stamp"
    fi
  done
fi
