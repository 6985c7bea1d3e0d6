#!/usr/bin/env bash
# Builds every fuzz target and runs each for a fixed time, starting from the
# committed seeds and the dictionary. Fails if any target finds a crash, a
# failed check, a timeout or an out-of-memory input.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 45: with six targets that is about 5 minutes
# of fuzzing plus a minute or two of building, inside an 8-minute CI budget.
#
# Seeds (fuzz/seeds/<target>/) are read, never written: what a run discovers
# goes to a scratch corpus, fuzz/target/corpus/<target>/, which later runs on
# the same machine start from too. Findings go to fuzz/artifacts/<target>/.
#
# Environment: FUZZ_SANITIZER (default none: the crate's only unsafe code, in
# mask.rs, is checked under Miri in CI, so AddressSanitizer mostly costs
# speed; set it to address to use it anyway).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
seconds="${1:-45}"
shift || true
sanitizer="${FUZZ_SANITIZER:-none}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

echo "=== building ${#targets[@]} targets (sanitizer: $sanitizer)"
start=$SECONDS
cargo +nightly fuzz build --sanitizer "$sanitizer"
echo "built in $((SECONDS - start))s"

failed=()
for target in "${targets[@]}"; do
    corpus="target/corpus/$target"
    log="target/logs/$target.log"
    mkdir -p "$corpus" "$(dirname "$log")" "artifacts/$target"
    echo "=== $target: ${seconds}s"
    seeds=()
    if [ -d "seeds/$target" ]; then seeds=("seeds/$target"); fi
    # Past findings are replayed first, as part of the starting corpus.
    if [ -d "regressions/$target" ]; then seeds+=("regressions/$target"); fi
    status=0
    cargo +nightly fuzz run --sanitizer "$sanitizer" "$target" "$corpus" "${seeds[@]}" -- \
        -dict=websocket.dict \
        -max_total_time="$seconds" \
        -rss_limit_mb=2048 \
        -timeout=10 \
        -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    # The last status line ("#N DONE cov: ... ft: ...") and the run count.
    grep -E '^#[0-9]+' "$log" | tail -n 1 || true
    grep -E '^stat::number_of_executed_units' "$log" || true
    if [ "$status" -ne 0 ]; then
        echo "!!! $target failed (exit $status); the end of its log ($log):"
        tail -n 40 "$log"
        failed+=("$target")
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "=== FAILED: ${failed[*]} (inputs in fuzz/artifacts/<target>/)"
    exit 1
fi
echo "=== all ${#targets[@]} targets ran ${seconds}s each without a finding"
