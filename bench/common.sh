# What bench/run.sh and bench/instructions.sh share; sourced by them, not run. Each
# defines `say` and `repo` first.

# install_package PACKAGE WHY: install a Debian package a measurement needs.
install_package() {
  say "installing $1 ($2)"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get install -y -qq "$1" >&2 ||
    { $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq "$1" >&2; }
}

# build_release: build the release binaries and examples; set $yieldsafe and
# $parse_only to the two programs measured (CARGO_TARGET_DIR honoured, as by cargo).
build_release() {
  say "building release"
  (cd "$repo" && cargo build --release --examples --bins --quiet) >&2
  local target
  target="$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
  yieldsafe="$target/release/yieldsafe"
  parse_only="$target/release/examples/parse_only"
  local b
  for b in "$yieldsafe" "$parse_only"; do [ -x "$b" ] || { say "missing $b"; exit 1; }; done
}
