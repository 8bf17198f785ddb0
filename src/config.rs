//! Configuration that lives in files: which workspace or package a directory belongs
//! to (for `cargo yieldsafe` and `--manifest-path`).

use std::path::{Path, PathBuf};

/// The manifest `cargo yieldsafe` checks from `dir`: the nearest `Cargo.toml` at or
/// above it that has a `[workspace]` table, else the nearest `Cargo.toml`; `None`
/// outside any.
pub fn workspace_manifest(dir: &Path) -> Option<PathBuf> {
    let mut nearest = None;
    for d in dir.ancestors() {
        let manifest = d.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let is_workspace = text
            .parse::<toml::Table>()
            .is_ok_and(|t| t.contains_key("workspace"));
        if is_workspace {
            return Some(manifest);
        }
        nearest.get_or_insert(manifest);
    }
    nearest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_root_wins_over_the_nearest_package() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/src")).expect("mkdir");
        std::fs::write(root.join("Cargo.toml"), "[workspace]\nmembers = [\"a\"]\n").expect("w");
        std::fs::write(root.join("a/Cargo.toml"), "[package]\nname = \"a\"\n").expect("w");
        assert_eq!(
            workspace_manifest(&root.join("a/src")),
            Some(root.join("Cargo.toml"))
        );
        std::fs::write(root.join("Cargo.toml"), "# not a workspace\n").expect("w");
        assert_eq!(
            workspace_manifest(&root.join("a/src")),
            Some(root.join("a/Cargo.toml"))
        );
    }
}
