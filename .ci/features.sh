#!/usr/bin/env bash
# The library alone (`cargo check --lib`: no dev-dependency can lend a
# feature the library forgot) in every feature combination that means
# something, each free of warnings; the blocking layer's wss:// without
# tokio in its tree; and the core for wasm32-unknown-unknown, without std
# and with the default random source from JavaScript. Called by .ci/run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TERM_COLOR=never

printf '\n=== %s (%s)\n' "feature combinations, cargo check --lib" "$(date +%T)"

# Fails on an error or on any warning of ours (dependencies' are capped).
check() {
  local out
  printf -- '--- cargo %s\n' "$*"
  if ! out=$(cargo "$@" 2>&1); then
    printf '%s\n' "$out"
    exit 1
  fi
  if grep -q '^warning' <<<"$out"; then
    printf '%s\n' "$out"
    echo "warnings in: cargo $*" >&2
    exit 1
  fi
}

combinations=(
  "--no-default-features"
  ""
  "--features deflate"
  "--features http"
  "--features tokio"
  "--features tokio,http"
  # TLS code without a provider or roots: configurations come from the
  # program, or fail with an error that names the features.
  "--features rustls"
  "--features tokio-rustls"
  # Each provider alone, blocking then tokio, and both at once.
  "--features rustls-ring"
  "--features rustls-aws-lc-rs"
  "--features tokio-rustls,rustls-ring"
  "--features tokio-rustls,rustls-aws-lc-rs"
  "--features rustls-ring,rustls-aws-lc-rs"
  # tokio and rustls without tokio-rustls: the tokio layer refuses wss://.
  "--features tokio,rustls-ring"
  # Roots: the platform's, Mozilla's, both.
  "--features rustls-ring,rustls-native-certs"
  "--features rustls-ring,webpki-roots"
  "--features rustls-aws-lc-rs,rustls-native-certs,webpki-roots"
  "--features tokio-rustls,rustls-ring,rustls-native-certs"
  "--all-features"
)
for features in "${combinations[@]}"; do
  # shellcheck disable=SC2086 # one word per flag
  check check --lib $features
done

echo "--- the blocking layer's wss:// builds no tokio"
blocking_wss=(--features rustls-ring,rustls-native-certs)
if cargo tree -e normal "${blocking_wss[@]}" --prefix none | grep -E '^tokio(-rustls)? '; then
  echo "tokio is in the tree of ${blocking_wss[*]}" >&2
  exit 1
fi

echo "--- wasm32-unknown-unknown"
rustup target add wasm32-unknown-unknown >/dev/null
check build --lib --target wasm32-unknown-unknown --no-default-features
check build --lib --target wasm32-unknown-unknown --features wasm-js
