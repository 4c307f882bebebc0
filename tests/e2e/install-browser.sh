#!/usr/bin/env bash
# Makes sure a headless Chromium and its WebDriver (chromedriver) are available for tests/e2e.
# Idempotent and quiet when both are already installed. Downloads no browser builds of its own:
# it uses the distribution's packages (Debian: chromium, chromium-driver).
set -euo pipefail

find_browser() {
  local name
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$name" >/dev/null 2>&1; then return 0; fi
  done
  return 1
}

find_driver() {
  command -v chromedriver >/dev/null 2>&1
}

if find_browser && find_driver; then
  exit 0
fi

missing=()
find_browser || missing+=("chromium")
find_driver || missing+=("chromedriver")

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    as_root=(sudo -n)
  else
    as_root=(none)
  fi
fi

if [ "${as_root[0]:-}" != "none" ] && command -v apt-get >/dev/null 2>&1; then
  echo "tests/e2e: ${missing[*]} missing; installing the packages chromium and chromium-driver with apt-get..." >&2
  export DEBIAN_FRONTEND=noninteractive
  log="$(mktemp)"
  if ! { "${as_root[@]}" apt-get update -qq \
         && "${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium chromium-driver; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "tests/e2e: apt-get could not install chromium and chromium-driver (see above)." >&2
    exit 1
  fi
  rm -f "$log"
  if find_browser && find_driver; then
    echo "tests/e2e: $(chromium --version 2>/dev/null || true) and $(chromedriver --version 2>/dev/null | head -n1) installed." >&2
    exit 0
  fi
  echo "tests/e2e: apt-get finished but chromium/chromedriver are still not on PATH." >&2
  exit 1
fi

cat >&2 <<MSG
tests/e2e needs a headless Chromium and chromedriver; missing here: ${missing[*]}.
Install them, then run the e2e tests again:
  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y chromium chromium-driver
  Fedora:         sudo dnf install -y chromium chromedriver
  macOS:          brew install --cask chromium chromedriver
(Or put an existing chromium / google-chrome and a matching chromedriver on PATH.)
MSG
exit 1
