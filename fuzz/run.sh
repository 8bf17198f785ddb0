#!/usr/bin/env bash
# Seed a target's corpus from fixtures/ (and the saved crash inputs), then fuzz it.
#   fuzz/run.sh check_bytes 600        # target, seconds
#   fuzz/run.sh mutate_fixtures 600
#   fuzz/run.sh deep_shapes 600        # deep and long shapes built from a few bytes
# Without cargo-fuzz, the same generator and oracles in a plain loop:
#   (cd fuzz && cargo run --release --bin deep_shapes_loop -- SEED SECONDS)
# Extra arguments go to libFuzzer. Needs cargo-fuzz (`cargo install cargo-fuzz`);
# on a stable toolchain RUSTC_BOOTSTRAP=1 lets it use the nightly-only flags.
# -print_funcs=0: symbolizing NEW_FUNC lines once hung the run here.
set -euo pipefail
target=${1:?target: check_bytes, mutate_fixtures or deep_shapes}
seconds=${2:-600}
shift $(( $# < 2 ? $# : 2 ))
here=$(cd "$(dirname "$0")" && pwd)
corpus="$here/corpus/$target"
mkdir -p "$corpus"
# Content-named copies, so that seeding again adds nothing twice.
for f in "$here"/../fixtures/*/*.rs "$here"/../tests/data/crashes/*; do
    [ -f "$f" ] || continue
    cp "$f" "$corpus/seed-$(sha1sum "$f" | cut -c1-16)"
done
dict=()
[ "$target" = check_bytes ] && dict=(-dict="$here/rust.dict")
cd "$here"
RUSTC_BOOTSTRAP=1 exec cargo fuzz run "$target" "$corpus" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
    -print_final_stats=1 -print_funcs=0 "${dict[@]}" "$@"
