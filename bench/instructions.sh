#!/usr/bin/env bash
# Instructions, not seconds: valgrind's callgrind counts the instructions of
#   (a) the floor, `cargo run --release --example parse_only` (read and parse every
#       file), and
#   (b) the whole `yieldsafe -q --format short` process, with CARGO_HOME set to the
#       corpus's cargo home (the dependencies' sources read as in bench/run.sh),
# on one thread over the same crates, and prints their ratio. On a shared machine a
# run's wall time moves by a fifth from one run to the next (a VM's steal time);
# its instruction count repeats to 0.02%, so a change of a few percent shows. It
# complements bench/run.sh (time, memory, both thread counts) and does not replace
# it: cache misses, allocation and the kernel's reading of files are not in the count.
#
#   bench/instructions.sh              # the bench corpus (bench/corpus/fetch.sh)
#   bench/instructions.sh DIR...       # these crate directories instead
#
# Environment: CORPUS_FETCH and CORPUS_CARGO_HOME as for bench/run.sh;
# CARGO_TARGET_DIR honoured by the build. Under callgrind a run takes about fifty
# times as long (the whole corpus: about five minutes for yieldsafe).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fetch="${CORPUS_FETCH:-$repo/bench/corpus/fetch.sh}"
corpus_home="${CORPUS_CARGO_HOME:-$HOME/.cache/yieldsafe-corpus}"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/yieldsafe-instr.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
say() { echo "instructions: $*" >&2; }

# shellcheck source=bench/common.sh
. "$repo/bench/common.sh"
command -v valgrind >/dev/null || install_package valgrind "callgrind counts the instructions"

if [ "$#" -gt 0 ]; then
  dirs=("$@")
else
  say "fetching the corpus with $fetch"
  mapfile -t dirs < <(CORPUS_CARGO_HOME="$corpus_home" "$fetch")
fi
[ "${#dirs[@]}" -gt 0 ] || { say "no crate directory"; exit 1; }

build_release

# count NAME CMD...: the instructions callgrind collected running CMD.
count() {
  local name=$1; shift
  say "$name under callgrind (${#dirs[@]} crate directories)"
  valgrind --tool=callgrind --callgrind-out-file="$scratch/$name.out" "$@" \
    >/dev/null 2>"$scratch/$name.err" || true
  sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$scratch/$name.err"
}
floor="$(count parse_only "$parse_only" --jobs 1 "${dirs[@]}")"
# (callgrind does not follow `env`'s exec: the variable goes to valgrind itself)
whole="$(CARGO_HOME="$corpus_home" count yieldsafe "$yieldsafe" -q --format short --jobs 1 "${dirs[@]}")"
[ -n "$floor" ] && [ -n "$whole" ] || { say "callgrind reported no count"; exit 1; }

commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "| crate directories: ${#dirs[@]}; 1 thread; $commit | instructions | of parse-only |"
echo "|---|---:|---:|"
awk -v f="$floor" -v w="$whole" 'BEGIN {
  printf "| parse-only | %.3f G | 1 |\n", f / 1e9
  printf "| yieldsafe | %.3f G | %.2f |\n", w / 1e9, w / f
}'
