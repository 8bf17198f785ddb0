#!/usr/bin/env bash
# The language server's benchmark (issue 17): `examples/lsp_edits.rs` starts the
# release `yieldsafe lsp` on a generated crate whose main file has about 3,000 lines
# of async code, types statements into it one keystroke at a time (incremental
# changes, as an editor sends them) and measures, for each change, the time from
# sending it to receiving the diagnostics published for that version; then the
# server's RSS every 100 changes. Run with the server's default debounce, then with
# none (the cost of the check itself), then with every check whole (a file that
# names a lint is not checked in part). Prints Markdown on stdout.
#
#   bench/lsp.sh                 # EDITS (default 1000), LINES (default 3000)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
edits="${EDITS:-1000}"
lines="${LINES:-3000}"
cd "$repo"
cargo build --release --bin yieldsafe --example lsp_edits >&2
target="${CARGO_TARGET_DIR:-$repo/target}"
echo "## yieldsafe lsp: $edits keystrokes into a $lines-line file ($(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "### server default debounce"
echo
"$target/release/examples/lsp_edits" --edits "$edits" --lines "$lines"
echo
echo "### no debounce"
echo
"$target/release/examples/lsp_edits" --edits "$edits" --lines "$lines" --debounce-ms 0
echo
echo "### every check whole (the file names a lint), server default debounce"
echo
"$target/release/examples/lsp_edits" --edits "$edits" --lines "$lines" --whole
