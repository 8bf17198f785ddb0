#!/usr/bin/env bash
# The benchmark and test corpus: the sources of the 32 async crates pinned (exact
# versions) in Cargo.toml beside this script, downloaded by `cargo fetch` into their
# own CARGO_HOME (nothing is compiled). Prints each pinned crate's source directory,
# one a line. About 740k lines; 360 MB with dependencies; a few seconds cold.
#
#   CORPUS_CARGO_HOME   where the sources go (default $HOME/.cache/yieldsafe-corpus)
#
#   mapfile -t dirs < <(bench/corpus/fetch.sh); cargo run --release -- "${dirs[@]}"
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CARGO_HOME="${CORPUS_CARGO_HOME:-$HOME/.cache/yieldsafe-corpus}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# A throwaway package with the pinned dependencies: `cargo fetch` needs a manifest
# with a target.
mkdir -p "$scratch/src"
cp "$here/Cargo.toml" "$scratch/Cargo.toml"
: >"$scratch/src/lib.rs"
host="$(rustc -vV | sed -n 's/^host: //p')"
cargo fetch --quiet --manifest-path "$scratch/Cargo.toml" --target "$host" </dev/null >&2
registry="$(ls -d "$CARGO_HOME"/registry/src/*/ | head -n 1)"
# `name = { version = "=X" ... }` or `name = "=X"`: the directory is name-X.
sed -n -E 's/^([A-Za-z0-9_-]+) = .*"=([^"]+)".*/\1-\2/p' "$here/Cargo.toml" |
  while read -r crate; do
    if [ -d "$registry$crate" ]; then
      echo "$registry$crate"
    else
      echo "fetch.sh: $crate was not downloaded" >&2
      exit 1
    fi
  done
