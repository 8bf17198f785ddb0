#!/usr/bin/env bash
# The benchmark of issue 5: on the shared corpus of real async crates, measure in the
# same run
#   (a) the floor: discover the same files, read and `syn::parse_file` each one
#       (`cargo run --release --example parse_only`), and
#   (b) the whole `yieldsafe --stats -q --format short` process, with CARGO_HOME set
#       to the corpus's cargo home, so that the dependencies' sources are read as
#       for a user who ran `cargo fetch` (the floor does not parse them: it is what
#       reading and parsing the checked files alone costs),
# on 1 thread and on all cores, each REPS times (the median and the range are reported), with peak
# memory from /usr/bin/time -v; then peak memory on 1x, 2x and 4x the corpus (copies
# under different names, so nothing is deduplicated); then checks that the findings
# are the same with `--full-parse`. Prints Markdown tables on stdout; progress goes
# to stderr.
#
#   bench/run.sh                 # from anywhere; builds release first
#
# Environment:
#   CORPUS_FETCH       the corpus script (default: bench/corpus/fetch.sh, the 32
#                      crates pinned in bench/corpus/Cargo.toml); it prints one crate
#                      source directory a line
#   CORPUS_CARGO_HOME  passed on to it (where the corpus lives; default
#                      ~/.cache/yieldsafe-corpus), and yieldsafe's CARGO_HOME
#   REPS               repetitions of every measurement (default 5)
#   JOBS_ALL           the "all cores" thread count (default: nproc)
#   SCALES             the corpus multiples of the memory run (default "1 2 4")
#   CARGO_TARGET_DIR   honoured by the build, as by cargo
#   BENCH_KEEP         set to keep the scratch directory (raw results, copies)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fetch="${CORPUS_FETCH:-$repo/bench/corpus/fetch.sh}"
reps="${REPS:-5}"
corpus_home="${CORPUS_CARGO_HOME:-$HOME/.cache/yieldsafe-corpus}"
all="${JOBS_ALL:-$(nproc)}"
scales="${SCALES:-1 2 4}"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/yieldsafe-bench.XXXXXX")"
if [ -z "${BENCH_KEEP:-}" ]; then
  trap 'rm -rf "$scratch"' EXIT
else
  echo "scratch directory: $scratch" >&2
fi
say() { echo "bench: $*" >&2; }

# --- tools -------------------------------------------------------------------------
# shellcheck source=bench/common.sh
. "$repo/bench/common.sh"
[ -x /usr/bin/time ] || install_package time "GNU time, for peak RSS"

# --- corpus ------------------------------------------------------------------------
say "fetching the corpus with $fetch"
mapfile -t dirs < <("$fetch")
[ "${#dirs[@]}" -gt 0 ] || { say "the corpus script printed no directory"; exit 1; }
say "${#dirs[@]} crate directories"

# --- build -------------------------------------------------------------------------
build_release

# --- measuring ---------------------------------------------------------------------
raw="$scratch/raw.tsv" # label kind threads rep wall_s rss_kb files lines findings in_wall discover read_scan index parse analyse parsed indexed dep_crates dep_files dep_indexed
: >"$raw"

# measure LABEL KIND THREADS REP PATH...: run one program once, append one row to $raw.
measure() {
  local label=$1 kind=$2 threads=$3 rep=$4; shift 4
  local out="$scratch/out" err="$scratch/err" tv="$scratch/time" rc=0 t0 t1
  local cmd
  if [ "$kind" = parse ]; then
    cmd=("$parse_only" --jobs "$threads" "$@")
  else
    cmd=(env CARGO_HOME="$corpus_home" "$yieldsafe" --stats -q --format short --jobs "$threads" "$@")
  fi
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$tv" "${cmd[@]}" >"$out" 2>"$err" || rc=$?
  t1=$(date +%s%N)
  # yieldsafe: 0 clean, 1 deny-level finding, 2 a file it could not check. Anything
  # else (a crash) invalidates the measurement.
  if [ "$rc" -gt 2 ]; then
    say "$kind exited with $rc:"; tail -5 "$err" >&2; exit 1
  fi
  local rss wall line files lines findings=- in_wall discover=- rs=- ix=- pa=- an=- parsed=- indexed=-
  local dcrates=- dfiles=- dindexed=-
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tv")
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  if [ "$kind" = parse ]; then
    line=$(grep '^parse-only:' "$out")
    files=$(sed -E 's/^parse-only: ([0-9]+) files.*/\1/' <<<"$line")
    lines=$(sed -E 's/.*, ([0-9]+) lines.*/\1/' <<<"$line")
    in_wall=$(sed -E 's/.*wall ([0-9.]+)s.*/\1/' <<<"$line")
  else
    # stats: F files, L lines, B bytes, C crates, N findings; P files parsed, I indexed
    # stats: wall Ws: discover Ds, render Rs; summed over threads: read+scan Ss, index Xs, parse Ps, analyse As
    line=$(grep '^stats:' "$err" | tr '\n' ' ')
    files=$(sed -E 's/^stats: ([0-9]+) files.*/\1/' <<<"$line")
    lines=$(sed -E 's/.*, ([0-9]+) lines.*/\1/' <<<"$line")
    findings=$(sed -E 's/.*, ([0-9]+) findings.*/\1/' <<<"$line")
    parsed=$(sed -E 's/.*; ([0-9]+) files parsed.*/\1/' <<<"$line")
    indexed=$(sed -E 's/.*, ([0-9]+) indexed.*/\1/' <<<"$line")
    in_wall=$(sed -E 's/.*stats: wall ([0-9.]+)s.*/\1/' <<<"$line")
    discover=$(sed -E 's/.*discover ([0-9.]+)s.*/\1/' <<<"$line")
    rs=$(sed -E 's/.*read\+scan ([0-9.]+)s.*/\1/' <<<"$line")
    ix=$(sed -E 's/.*index ([0-9.]+)s.*/\1/' <<<"$line")
    pa=$(sed -E 's/.*parse ([0-9.]+)s.*/\1/' <<<"$line")
    an=$(sed -E 's/.*analyse ([0-9.]+)s.*/\1/' <<<"$line")
    # stats: ...; dependencies: C crates read, F files in their tables, S of the indexed
    if grep -q 'dependencies: ' <<<"$line"; then
      dcrates=$(sed -E 's/.*dependencies: ([0-9]+) crates read.*/\1/' <<<"$line")
      dfiles=$(sed -E 's/.*, ([0-9]+) files in their tables.*/\1/' <<<"$line")
      dindexed=$(sed -E 's/.*, ([0-9]+) of the indexed.*/\1/' <<<"$line")
    fi
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$kind" \
    "$threads" "$rep" "$wall" "$rss" "$files" "$lines" "$findings" "$in_wall" "$discover" "$rs" "$ix" \
    "$pa" "$an" "$parsed" "$indexed" "$dcrates" "$dfiles" "$dindexed" >>"$raw"
  say "$label $kind threads=$threads rep=$rep: ${wall}s, ${rss} KiB"
}

# median LABEL KIND THREADS COLUMN: the median of one column over the repetitions.
median() {
  awk -F'\t' -v l="$1" -v k="$2" -v t="$3" -v c="$4" \
    '$1 == l && $2 == k && $3 == t { print $c }' "$raw" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# Column numbers in $raw.
W=5 RSS=6 FILES=7 LINES=8 FIND=9 INW=10 DISC=11 RS=12 IX=13 PA=14 AN=15 PARSED=16 INDEXED=17
DCRATES=18 DFILES=19 DINDEXED=20
# range LABEL KIND THREADS COLUMN: "min-max" of one column over the repetitions.
range() {
  awk -F'\t' -v l="$1" -v k="$2" -v t="$3" -v c="$4" \
    '$1 == l && $2 == k && $3 == t { v = $c + 0; if (n++ == 0 || v < lo) lo = v; if (n == 1 || v > hi) hi = v }
     END { if (n == 0) print "-"; else printf "%.3f-%.3f\n", lo, hi }' "$raw"
}
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
# ratios LABEL THREADS: (b)/(a) of each repetition (both ran back to back), "min-max".
ratios() {
  awk -F'\t' -v l="$1" -v t="$2" '$1 == l && $3 == t { w[$2, $4] = $5; r[$4] = 1 }
    END { for (i in r) { x = w["full", i] / w["parse", i]; if (min == "" || x < min) min = x; if (max == "" || x > max) max = x }
          printf "%.2f-%.2f", min, max }' "$raw"
}

threads_list="1"
[ "$all" -gt 1 ] && threads_list="1 $all"

# Warm the page cache and the binaries once, untimed.
"$parse_only" "${dirs[@]}" >/dev/null
CARGO_HOME="$corpus_home" "$yieldsafe" -q --format short "${dirs[@]}" >/dev/null 2>&1 || true

# (a) and (b) back to back in every repetition, so load from other users of the
# machine hits both alike.
for rep in $(seq "$reps"); do
  for t in $threads_list; do
    measure corpus parse "$t" "$rep" "${dirs[@]}"
    measure corpus full "$t" "$rep" "${dirs[@]}"
  done
done

# Memory scaling: the corpus copied 4 times under different names (hard links when
# the file system allows, else real copies); Nx checks the first N copies.
max_scale=$(tr ' ' '\n' <<<"$scales" | sort -n | tail -1)
say "copying the corpus $max_scale times"
for i in $(seq "$max_scale"); do
  mkdir -p "$scratch/copies/c$i"
  for d in "${dirs[@]}"; do
    cp -al "$d" "$scratch/copies/c$i/" 2>/dev/null || cp -r "$d" "$scratch/copies/c$i/"
  done
done
for rep in $(seq "$reps"); do
  for s in $scales; do
    set -- ; for i in $(seq "$s"); do set -- "$@" "$scratch/copies/c$i"; done
    measure "${s}x" parse "$all" "$rep" "$@"
    measure "${s}x" full "$all" "$rep" "$@"
  done
done

# --- report ------------------------------------------------------------------------
commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$repo" diff --quiet HEAD -- src Cargo.toml Cargo.lock examples 2>/dev/null || commit="$commit (+ uncommitted changes)"
echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') at commit $commit; $(nproc) cores ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)), load average at the end $(cut -d' ' -f1-3 /proc/loadavg); $(rustc -V)."
echo "Corpus: ${#dirs[@]} crates from $(basename "$fetch"); median of $reps runs each; yieldsafe with CARGO_HOME=$corpus_home (the dependencies' sources read)."
echo
echo "| threads | program | files | lines | wall (s) | wall range (s) | lines/s | (b)/(a) | (b)/(a) of each run | peak RSS (MiB) |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for t in $threads_list; do
  wa=$(median corpus parse "$t" $W); wb=$(median corpus full "$t" $W)
  for k in parse full; do
    w=$(median corpus "$k" "$t" $W); l=$(median corpus "$k" "$t" $LINES)
    if [ "$k" = parse ]; then name="(a) read + syn::parse_file"; ratio=""; each=""
    else name="(b) yieldsafe"; ratio=$(div "$wb" "$wa"); each=$(ratios corpus "$t"); fi
    echo "| $t | $name | $(median corpus "$k" "$t" $FILES) | $l | $w | $(range corpus "$k" "$t" $W) | $(rate "$l" "$w") | $ratio | $each | $(mib "$(median corpus "$k" "$t" $RSS)") |"
  done
done
if [ "$all" -gt 1 ]; then
  echo
  echo "Speed-up from 1 to $all threads: (a) $(div "$(median corpus parse 1 $W)" "$(median corpus parse "$all" $W)")x, (b) $(div "$(median corpus full 1 $W)" "$(median corpus full "$all" $W)")x."
fi
echo
echo "Where (b)'s time goes, from \`--stats\` (medians; the phases are summed over threads): read+scan = read every file and scan it lexically; index = summarise, on demand, the files that declare a name the analysis asks about; parse = parse the files that can have findings; analyse = the rest; dependencies = the dependency crates whose tables were built, the files in those tables (scanned) and those of the indexed files that are theirs. \"Outside\" = process wall - the wall yieldsafe measures itself (start-up, exit)."
echo
echo "| threads | findings | files parsed | files indexed | dependencies: crates, files, indexed | process wall (s) | in-process wall (s) | discover (s) | read+scan (s) | index (s) | parse (s) | analyse (s) | outside (s) | (a) in-process wall (s) |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for t in $threads_list; do
  pw=$(median corpus full "$t" $W); iw=$(median corpus full "$t" $INW)
  echo "| $t | $(median corpus full "$t" $FIND) | $(median corpus full "$t" $PARSED) | $(median corpus full "$t" $INDEXED) | $(median corpus full "$t" $DCRATES), $(median corpus full "$t" $DFILES), $(median corpus full "$t" $DINDEXED) | $pw | $iw | $(median corpus full "$t" $DISC) | $(median corpus full "$t" $RS) | $(median corpus full "$t" $IX) | $(median corpus full "$t" $PA) | $(median corpus full "$t" $AN) | $(awk -v a="$pw" -v b="$iw" 'BEGIN { printf "%.3f", a - b }') | $(median corpus parse "$t" $INW) |"
done
echo
# The shortcuts must not change a finding: compare with --full-parse.
CARGO_HOME="$corpus_home" "$yieldsafe" -q --format short "${dirs[@]}" >"$scratch/default.txt" 2>/dev/null || true
CARGO_HOME="$corpus_home" "$yieldsafe" -q --format short --full-parse "${dirs[@]}" >"$scratch/full.txt" 2>/dev/null || true
# A finding's short line ends with its lint (`[await_holding_lock]`); the other
# lines are the files it could not check, which the prefilter does not parse when
# they cannot have findings (a template that is not Rust).
finding_line='\[[a-z_:]+\]$'
findings_of() { grep -E "$finding_line" "$1" || true; }
findings_of "$scratch/default.txt" >"$scratch/default.findings"
findings_of "$scratch/full.txt" >"$scratch/full.findings"
if cmp -s "$scratch/default.findings" "$scratch/full.findings"; then
  echo "Findings with and without the prefilter (\`--full-parse\`): identical ($(wc -l <"$scratch/default.findings") findings)."
else
  echo "Findings with and without the prefilter (\`--full-parse\`): **DIFFERENT**:"
  echo '```'
  diff "$scratch/default.findings" "$scratch/full.findings" || true
  echo '```'
fi
if ! cmp -s "$scratch/default.txt" "$scratch/full.txt"; then
  echo
  echo "Other lines that differ (files that could not be checked; \`<\` default, \`>\` \`--full-parse\`):"
  echo '```'
  diff <(grep -vE "$finding_line" "$scratch/default.txt") <(grep -vE "$finding_line" "$scratch/full.txt") | grep '^[<>]' || true
  echo '```'
fi
echo
echo "Memory as the corpus grows ($all threads; Nx = N copies of the corpus under different names):"
echo
echo "| corpus | files | lines | (a) wall (s) | (a) wall range (s) | (a) peak RSS (MiB) | (b) wall (s) | (b) wall range (s) | (b) peak RSS (MiB) | (b)/(a) wall |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for s in $scales; do
  wa=$(median "${s}x" parse "$all" $W); wb=$(median "${s}x" full "$all" $W)
  echo "| ${s}x | $(median "${s}x" full "$all" $FILES) | $(median "${s}x" full "$all" $LINES) | $wa | $(range "${s}x" parse "$all" $W) | $(mib "$(median "${s}x" parse "$all" $RSS)") | $wb | $(range "${s}x" full "$all" $W) | $(mib "$(median "${s}x" full "$all" $RSS)") | $(div "$wb" "$wa") |"
done
echo
echo "<details><summary>every run</summary>"
echo
echo '```'
printf 'set\tprogram\tthreads\trep\twall_s\trss_kb\tfiles\tlines\tfindings\tinproc_s\tdiscover\tread+scan\tindex\tparse\tanalyse\tparsed\tindexed\tdep_crates\tdep_files\tdep_indexed\n'
cat "$raw"
echo '```'
echo "</details>"
