#!/usr/bin/env bash
# Set up everything gapaudit needs on a fresh Debian machine, idempotently:
# system libraries (Pango, HarfBuzz subsetting, a CJK font, poppler for the
# tests), a virtual environment in .venv, and the project installed into it.
#
#   bash scripts/setup.sh            # gapaudit and what it needs to run
#   bash scripts/setup.sh --test     # also the test dependencies and the example chain plugin
#   GAPAUDIT_NO_APT=1 bash scripts/setup.sh   # never call apt-get
#
# The example chain plugin (examples/gapaudit-acme, a fictional chain) is installed on the
# test path only: a consultant's environment should not carry another chain's plugin.
set -euo pipefail
cd "$(dirname "$0")/.."
test_setup=0
for arg in "$@"; do
  case "$arg" in
    --test) test_setup=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "setup: unknown option $arg (use --test for the test setup)" >&2; exit 2 ;;
  esac
done

# Debian packages: WeasyPrint's Pango stack, libharfbuzz-subset0 (font
# subsetting: ~7x faster PDFs), a CJK font so Chinese never renders as boxes,
# poppler-utils (pdftotext/pdftoppm, used by the tests and for previews).
apt_pkgs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei
          fonts-dejavu-core poppler-utils python3-venv)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "${GAPAUDIT_NO_APT:-}" = 1 ]; then
    echo "setup: skipping apt-get; missing: ${missing[*]}" >&2
  elif [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: please run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
log=.venv/setup.log
pip_install() {  # quiet unless it fails: setuptools' build warnings are noise here
  .venv/bin/python -m pip install -q "$@" >>"$log" 2>&1 || { cat "$log" >&2; exit 1; }
}
stamp=.venv/.gapaudit-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  : >"$log"
  pip_install --upgrade pip
  pip_install -e .
  touch "$stamp"
fi
test_stamp=.venv/.gapaudit-test-installed
if [ "$test_setup" = 1 ] && { [ ! -f "$test_stamp" ] || [ pyproject.toml -nt "$test_stamp" ] \
     || [ examples/gapaudit-acme/pyproject.toml -nt "$test_stamp" ]; }; then
  : >"$log"
  pip_install -e '.[test]'
  # the example chain plugin: its sample audit and tests need it installed
  pip_install -e examples/gapaudit-acme
  touch "$test_stamp"
fi
