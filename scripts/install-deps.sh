#!/bin/sh
# Installs every Debian package junkai needs to build, test, fuzz and
# benchmark. Idempotent: packages already present are left alone and
# apt-get is not called at all when nothing is missing. Runs as root, or
# through sudo otherwise.
set -eu

# Hyperscan is x86-only; Vectorscan is its portable fork with the same API
# and pkg-config name (libhs), packaged for the other architectures.
case "$(dpkg --print-architecture)" in
  amd64|i386) HS=libhyperscan-dev ;;
  *)          HS=libvectorscan-dev ;;
esac

PACKAGES="
  build-essential cmake pkgconf clang llvm libclang-rt-14-dev
  $HS libutf8proc-dev libyaml-dev libjansson-dev libcmocka-dev
  libsqlite3-dev libsodium-dev libcsv-dev libcurl4-openssl-dev libxml2-dev
  libpsl-dev publicsuffix libidn2-dev libmicrohttpd-dev wrk zlib1g-dev
  icu-devtools ripgrep grep manpages-ja python3 python3-jsonschema
  chromium fonts-ipaexfont-gothic fonts-ipaexfont-mincho
  libpango1.0-dev libcairo2-dev libarchive-dev poppler-utils python3-aiosmtpd
"

missing=""
# Node.js and npm run the independent WARC reader (warcio) in the tests,
# and playwright-core, which drives chromium in the web UI's browser test.
# A machine that already has them (Debian's or NodeSource's build, whose
# nodejs package carries npm and conflicts with Debian's npm) is left alone.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing="nodejs npm"
fi
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  echo "install-deps: all packages present"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
echo "install-deps: installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
