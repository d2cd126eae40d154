#!/usr/bin/env bash
# Print the path of the pinned OPA CLI (stdout: the path only; progress on stderr).
#   1. an `opa` on PATH whose version matches the pin
#   2. the cached copy in tools/.bin/opa (git-ignored)
#   3. `go install github.com/open-policy-agent/opa@<pin>` into tools/.bin
# Exits 1 with install instructions when none of these is possible.
set -euo pipefail

OPA_VERSION="${TESSERA_OPA_VERSION:-1.22.2}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin_dir="$here/.bin"
cached="$bin_dir/opa"

log() { printf 'opa.sh: %s\n' "$*" >&2; }

version_of() {
  # `opa version` prints "Version: 1.22.2" on its first line.
  "$1" version 2>/dev/null | sed -n 's/^Version: *//p' | head -n 1
}

if on_path="$(command -v opa 2>/dev/null)"; then
  if [[ "$(version_of "$on_path")" == "$OPA_VERSION" ]]; then
    printf '%s\n' "$on_path"
    exit 0
  fi
  log "ignoring $on_path: version $(version_of "$on_path" || true) is not the pinned $OPA_VERSION"
fi

if [[ -x "$cached" && "$(version_of "$cached")" == "$OPA_VERSION" ]]; then
  printf '%s\n' "$cached"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "OPA $OPA_VERSION not found and Go is not installed."
  log "Install OPA $OPA_VERSION one of these ways, then re-run:"
  log "  - download https://github.com/open-policy-agent/opa/releases/tag/v$OPA_VERSION and put 'opa' on PATH"
  log "  - or copy it to $cached"
  log "  - or install Go (https://go.dev/dl/) and let this script run: go install github.com/open-policy-agent/opa@v$OPA_VERSION"
  exit 1
fi

log "installing OPA v$OPA_VERSION into $bin_dir with go install (takes a minute or two, once)"
mkdir -p "$bin_dir"
if ! GOBIN="$bin_dir" go install "github.com/open-policy-agent/opa@v$OPA_VERSION" >&2; then
  log "go install of OPA v$OPA_VERSION failed; see the output above"
  exit 1
fi
if [[ "$(version_of "$cached")" != "$OPA_VERSION" ]]; then
  log "installed $cached does not report version $OPA_VERSION"
  exit 1
fi
log "installed $cached"
printf '%s\n' "$cached"
