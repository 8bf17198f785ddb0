#!/usr/bin/env bash
# yieldsafe against what users run today (issue 5, item 6): on two crates of the
# corpus, time
#   cargo clippy -- -W clippy::await_holding_lock -W clippy::await_holding_refcell_ref
# cold (a fresh target directory: every dependency is checked too) and after touching
# one file (src/lib.rs), and `yieldsafe --format short` on the same crate directory,
# each REPS times (median), with peak memory from /usr/bin/time -v. Plain `cargo
# clippy` checks the library only; yieldsafe reads every .rs file of the directory
# (tests and benches too). CLIPPY_ARGS=--all-targets makes clippy check those too.
# Prints a Markdown table on stdout; progress on stderr.
#
#   bench/clippy.sh
#
# Environment:
#   CORPUS_FETCH       the corpus script (default bench/corpus/fetch.sh in this
#                      repository); the crates are found among the directories it prints
#   CLIPPY_CRATES      default "bb8-0.9.1 deadpool-0.12.3"
#   CLIPPY_CARGO_HOME  CARGO_HOME for the clippy builds (default
#                      $HOME/.cache/yieldsafe-clippy-bench); dependencies are
#                      downloaded there once, before anything is timed (`--locked`
#                      with the crate's own Cargo.lock), so the timed runs are --offline
#   CLIPPY_ARGS        more cargo clippy arguments (default none), e.g. --all-targets
#   REPS               repetitions (default 3)
#   BENCH_KEEP         set to keep the scratch directory
# The target directories are under the scratch directory (in /tmp), never the
# repository's target/.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fetch="${CORPUS_FETCH:-$repo/bench/corpus/fetch.sh}"
crates="${CLIPPY_CRATES:-bb8-0.9.1 deadpool-0.12.3}"
reps="${REPS:-3}"
clippy_home="${CLIPPY_CARGO_HOME:-$HOME/.cache/yieldsafe-clippy-bench}"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/yieldsafe-clippy.XXXXXX")"
if [ -z "${BENCH_KEEP:-}" ]; then
  trap 'rm -rf "$scratch"' EXIT
else
  echo "scratch directory: $scratch" >&2
fi
say() { echo "clippy-bench: $*" >&2; }
read -r -a extra <<<"${CLIPPY_ARGS:-}"
lints=(-W clippy::await_holding_lock -W clippy::await_holding_refcell_ref)

if ! [ -x /usr/bin/time ]; then
  say "installing GNU time (for peak RSS)"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get install -y -qq time >&2 ||
    { $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq time >&2; }
fi

say "fetching the corpus with $fetch"
mapfile -t dirs < <("$fetch")

say "building release"
(cd "$repo" && cargo build --release --bins --quiet) >&2
target="$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
yieldsafe="$target/release/yieldsafe"

raw="$scratch/raw.tsv" # crate tool rep wall_s rss_kb findings
: >"$raw"

# timed CRATE TOOL REP OUTFILE CMD...: run once in the crate copy, append a row.
timed() {
  local crate=$1 tool=$2 rep=$3 outfile=$4; shift 4
  local tv="$scratch/time" rc=0 t0 t1 wall rss findings
  t0=$(date +%s%N)
  (cd "$scratch/$crate" && /usr/bin/time -v -o "$tv" "$@" >"$outfile" 2>"$scratch/err") || rc=$?
  t1=$(date +%s%N)
  if { [ "$tool" = yieldsafe ] && [ "$rc" -gt 1 ]; } || { [ "$tool" != yieldsafe ] && [ "$rc" -ne 0 ]; }; then
    say "$tool on $crate exited with $rc"; tail -20 "$scratch/err" >&2; exit 1
  fi
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tv")
  if [ "$tool" = yieldsafe ]; then
    findings=$(grep -c ': warning: \|: error: ' "$outfile" || true)
  else
    # Diagnostics of the two lints, in this crate (dependencies' lints are capped).
    findings=$( (grep -o '"code":{"code":"clippy::await_holding_[a-z_]*"' "$outfile" || true) | wc -l)
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$crate" "$tool" "$rep" "$wall" "$rss" "$findings" >>"$raw"
  say "$crate $tool rep=$rep: ${wall}s, ${rss} KiB, $findings finding(s)"
}

median() { # CRATE TOOL COLUMN
  awk -F'\t' -v c="$1" -v t="$2" -v k="$3" '$1 == c && $2 == t { print $k }' "$raw" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

for crate in $crates; do
  src=""
  for d in "${dirs[@]}"; do [ "$(basename "$d")" = "$crate" ] && src="$d"; done
  [ -n "$src" ] || { say "$crate is not in the corpus"; exit 1; }
  cp -r "$src" "$scratch/$crate"
  # Download the dependencies (dev-dependencies too) once, untimed.
  say "fetching the dependencies of $crate into $clippy_home"
  (cd "$scratch/$crate" && CARGO_HOME="$clippy_home" cargo fetch --locked --quiet) >&2
done

export CARGO_HOME="$clippy_home"
for rep in $(seq "$reps"); do
  for crate in $crates; do
    dir="$scratch/$crate"
    export CARGO_TARGET_DIR="$scratch/target-$crate"
    rm -rf "$CARGO_TARGET_DIR"
    timed "$crate" "clippy cold" "$rep" "$scratch/clippy.json" \
      cargo clippy --offline --locked "${extra[@]}" --message-format=json -- "${lints[@]}"
    touch "$dir/src/lib.rs"
    timed "$crate" "clippy after touch" "$rep" "$scratch/clippy.json" \
      cargo clippy --offline --locked "${extra[@]}" --message-format=json -- "${lints[@]}"
    unset CARGO_TARGET_DIR
    timed "$crate" yieldsafe "$rep" "$scratch/yieldsafe.out" "$yieldsafe" --format short .
  done
done

commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$repo" diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || commit="$commit (+ uncommitted changes)"
echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') at commit $commit; $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg); $(cargo clippy --version 2>/dev/null); median of $reps runs; cargo clippy ${CLIPPY_ARGS:+$CLIPPY_ARGS }-- ${lints[*]}."
echo
echo "| crate | files | lines | tool | wall (s) | peak RSS (MiB) | findings | vs yieldsafe |"
echo "|---|---:|---:|---|---:|---:|---:|---:|"
for crate in $crates; do
  files=$(find "$scratch/$crate" -name '*.rs' -not -path '*/target*' | wc -l)
  lines=$(find "$scratch/$crate" -name '*.rs' -not -path '*/target*' -exec cat {} + | wc -l)
  y=$(median "$crate" yieldsafe 4)
  for tool in "clippy cold" "clippy after touch" yieldsafe; do
    w=$(median "$crate" "$tool" 4)
    echo "| $crate | $files | $lines | $tool | $w | $(awk -v k="$(median "$crate" "$tool" 5)" 'BEGIN { printf "%.0f", k / 1024 }') | $(median "$crate" "$tool" 6) | $(awk -v a="$w" -v b="$y" 'BEGIN { printf "%.0fx", a / b }') |"
  done
done
echo
echo "<details><summary>every run</summary>"
echo
echo '```'
printf 'crate\ttool\trep\twall_s\trss_kb\tfindings\n'
cat "$raw"
echo '```'
echo "</details>"
