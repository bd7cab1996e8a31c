#!/usr/bin/env bash
# Sverka's one install script, used by ./dev.sh (README), .ci/run and the Dockerfile.
#
#   scripts/install.sh            runtime: system packages, Python venv, htmx into static/
#   scripts/install.sh --test     also what the tests need: Chromium, PostgreSQL, epubcheck,
#                                 OmegaT, LibreOffice Writer, poppler
#   scripts/install.sh --system   install Python packages into the current interpreter (Docker)
#
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_TEST=0
SYSTEM_PY=0
for arg in "$@"; do
  case "$arg" in
    --test) WITH_TEST=1 ;;
    --system) SYSTEM_PY=1 ;;
    *) echo "install.sh: unknown option $arg (use --test and/or --system)" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# --- system packages (Debian/Ubuntu); skipped where apt is absent -------------------------
RUNTIME_APT=(mueller7-dict fonts-paratype fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0
             libharfbuzz0b libenchant-2-2 hunspell-en-us hunspell-ru nodejs npm)
TEST_APT=(chromium poppler-utils epubcheck omegat libreoffice-writer-nogui postgresql)
want=("${RUNTIME_APT[@]}")
[ "$WITH_TEST" = 1 ] && want+=("${TEST_APT[@]}")
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# npm may come from elsewhere (nodesource, nvm): then Debian's is not needed.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]:-}"
if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    say "Installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "No apt-get here; please install the equivalents of: ${missing[*]}"
  fi
fi

# --- Python packages, pinned by requirements.lock -----------------------------------------
extras=""; [ "$WITH_TEST" = 1 ] && extras="[test]"
if [ "$SYSTEM_PY" = 1 ]; then
  PY=python3
  say "Installing Sverka into $(command -v python3)"
  $PY -m pip install -q -c requirements.lock ".${extras}"
else
  VENV="${SVERKA_VENV:-.venv}"
  [ -x "$VENV/bin/python" ] || { say "Creating $VENV"; python3 -m venv "$VENV"; }
  PY="$VENV/bin/python"
  stamp="$VENV/.sverka-installed"
  digest=$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)"$extras"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    say "Installing Python packages into $VENV"
    "$PY" -m pip install -q --upgrade pip
    "$PY" -m pip install -q -c requirements.lock -e ".${extras}"
    echo "$digest" >"$stamp"
  fi
fi

# --- htmx from the npm registry, pinned by package-lock.json, copied into static/ ----------
if [ ! -f static/vendor/htmx.min.js ] || [ package-lock.json -nt static/vendor/htmx.min.js ]; then
  say "Installing htmx (npm ci)"
  npm ci --no-audit --no-fund --silent
  mkdir -p static/vendor
  cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
fi
say "Install complete"
