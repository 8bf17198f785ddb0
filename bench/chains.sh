#!/usr/bin/env bash
# The benchmark of issue 14: long and deep shapes, generated at 10k, 100k and 1M
# repetitions, each checked beside a file with one finding. Prints a Markdown table:
# the shape, the repetitions, the file's size, the exit code, the wall time and the
# size of the human output. Growth from one row to the next should be linear (or
# flat, where a bound rejects the file before it is parsed): a superlinear pass
# shows as a tenfold input taking far more than ten times as long.
#
#   bench/chains.sh                  # from anywhere; builds release first
#
# Environment:
#   SIZES      the repetitions (default "10000 100000 1000000")
#   SHAPES     the shapes to run (default: all, see `shape` below)
#   LIMIT      seconds before a run is killed and reported as `timeout` (default 120)
#   YIELDSAFE  the binary (default: the release build of this checkout)
#   BENCH_KEEP set to keep the scratch directory
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sizes="${SIZES:-10000 100000 1000000}"
shapes="${SHAPES:-closures try fields calls binary unary refs awaits one_line_awaits}"
limit="${LIMIT:-120}"
if [[ -z "${YIELDSAFE:-}" ]]; then
    cargo build --release --quiet --manifest-path "$repo/Cargo.toml" >&2
    YIELDSAFE="${CARGO_TARGET_DIR:-$repo/target}/release/yieldsafe"
fi
scratch="$(mktemp -d)"
if [[ -z "${BENCH_KEEP:-}" ]]; then
    trap 'rm -rf "$scratch"' EXIT
else
    echo "scratch: $scratch" >&2
fi

repeat() { # text count
    python3 -c 'import sys; sys.stdout.write(sys.argv[1] * int(sys.argv[2]))' "$1" "$2"
}

# shape NAME N: the text of bad.rs.
shape() {
    local n="$2"
    case "$1" in
    closures) printf 'async fn y() {}\nasync fn f() {\n    let _ = '; repeat '|| ' "$n"; printf '1;\n    y().await;\n}\n' ;;
    try) printf 'async fn y() {}\nasync fn f(x: Option<u8>) -> Option<u8> {\n    let _ = x'; repeat '?' "$n"; printf ';\n    y().await;\n    None\n}\n' ;;
    fields) printf 'async fn y() {}\nasync fn f() {\n    let _ = x'; repeat '.f' "$n"; printf ';\n    y().await;\n}\n' ;;
    calls) printf 'async fn y() {}\nasync fn f() {\n    let _ = x'; repeat '.f()' "$n"; printf ';\n    y().await;\n}\n' ;;
    binary) printf 'async fn y() {}\nasync fn f() {\n    let _ = 1'; repeat ' + 1' "$n"; printf ';\n    y().await;\n}\n' ;;
    unary) printf 'async fn y() {}\nasync fn f() {\n    let _ = '; repeat '-' "$n"; printf '1;\n    y().await;\n}\n' ;;
    refs) printf 'pub type T = '; repeat '&' "$n"; printf 'u8;\n' ;;
    awaits) printf 'use std::sync::Mutex;\nasync fn y() {}\npub async fn f(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();\n'; repeat $'    y().await;\n' "$n"; printf '}\n' ;;
    one_line_awaits) printf 'use std::sync::Mutex;\nasync fn y() {}\npub async fn f(m: &Mutex<u32>) {\n    let g = m.lock().unwrap();'; repeat ' y().await;' "$n"; printf '\n}\n' ;;
    *) echo "unknown shape $1" >&2; exit 2 ;;
    esac
}

good='use std::sync::Mutex;
async fn yield_now() {}
pub async fn f(m: &Mutex<u32>) {
    let g = m.lock().unwrap();
    yield_now().await;
}
'

echo "| shape | n | file | exit | time (s) | human output |"
echo "|---|---:|---:|---:|---:|---:|"
for s in $shapes; do
    for n in $sizes; do
        dir="$scratch/$s-$n"
        mkdir -p "$dir"
        printf '%s' "$good" >"$dir/good.rs"
        shape "$s" "$n" >"$dir/bad.rs"
        start=$(date +%s.%N)
        set +e
        timeout "$limit" "$YIELDSAFE" --color=never "$dir" >"$dir/out" 2>"$dir/err"
        code=$?
        set -e
        end=$(date +%s.%N)
        [[ $code == 124 ]] && code=timeout
        grep -q 'good.rs:4:9' "$dir/out" "$dir/err" || code="$code (good.rs missing)"
        printf '| %s | %s | %s | %s | %.2f | %s |\n' "$s" "$n" "$(stat -c %s "$dir/bad.rs")" \
            "$code" "$(echo "$end - $start" | bc)" "$(cat "$dir/out" "$dir/err" | wc -c)"
    done
done
