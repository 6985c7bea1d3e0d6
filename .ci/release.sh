#!/usr/bin/env bash
# What a release needs beyond the everyday checks of .ci/run (which calls
# this): rustdoc with its links checked under each feature set, the docs.rs
# build (nightly, --cfg docsrs, the feature badges), the MSRV (the
# `rust-version` of Cargo.toml) building the library and passing the tests,
# the dependency floors, and the package cargo would publish.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TERM_COLOR=never

step() { printf '\n=== %s (%s)\n' "$*" "$(date +%T)"; }

step "rustdoc links under no features, the defaults and all features"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --no-default-features
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --all-features

step "the docs.rs build: nightly, --cfg docsrs, a feature badge on gated items"
RUSTDOCFLAGS="--cfg docsrs -D warnings" cargo +nightly doc --no-deps --all-features \
    --target-dir target/docsrs
for page in tokio/index.html tls/index.html; do
  grep -q 'Available on <strong>crate feature' "target/docsrs/doc/rfc6455/$page" \
    || { echo "no feature badge in $page" >&2; exit 1; }
done

msrv=$(sed -n 's/^rust-version = "\(.*\)"$/\1/p' Cargo.toml)
step "MSRV $msrv: the library under each feature set, then the tests"
rustup toolchain install "$msrv" --profile minimal >/dev/null
# Its own target directory: another compiler shares no artifacts anyway.
msrv_cargo() { cargo "+$msrv" "$@" --target-dir target/msrv; }
msrv_cargo build --lib --no-default-features
msrv_cargo build --lib
msrv_cargo build --lib --all-features
msrv_cargo check --all-targets --all-features
# CI unset: .ci/run calls this before it installs nginx, tinyproxy and the
# rest, so a peer missing here skips (saying so); the stable run of the
# tests later, under CI, fails on any peer still missing.
env -u CI cargo "+$msrv" test --all-features --target-dir target/msrv

step "dependency floors: the library with its direct dependencies at their minimal versions"
# A scratch copy without dev-dependencies (their floors are the tests',
# and a dependency that is both, like tokio, cannot have two minimal
# versions), examples, tests or benchmarks; the real Cargo.lock is untouched.
scratch=target/minimal-versions
mkdir -p "$scratch"
rm -rf "$scratch/src" "$scratch/Cargo.lock"
cp -r src README.md "$scratch/"
awk '/^\[/ { keep = $0 !~ /dev-dependencies\]$/ && $0 !~ /^\[\[(example|bench|test)\]\]$/ } keep' \
    Cargo.toml >"$scratch/Cargo.toml"
(
  cd "$scratch"
  cargo +nightly update -Z direct-minimal-versions
  cargo "+$msrv" check --lib --no-default-features
  cargo "+$msrv" check --lib --all-features
)

step "the package: its files, and that it builds from them"
cargo package --list --allow-dirty
cargo package --allow-dirty
