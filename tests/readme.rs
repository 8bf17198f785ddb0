//! The README's lint table is the catalog's (`lints/*.toml`): same lints, same
//! default levels, so the docs cannot drift from the behaviour.

#[test]
fn readme_lint_table_matches_the_catalog() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let mut rows: Vec<(String, String)> = readme
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // | `name` | level | what |
            let name = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            let level = *cells.get(2)?;
            yieldsafe::catalog::get(name)?;
            Some((name.to_string(), level.to_string()))
        })
        .collect();
    rows.sort();
    let mut catalog: Vec<(String, String)> = yieldsafe::catalog::all()
        .iter()
        .map(|info| (info.name.clone(), info.default_level.as_str().to_string()))
        .collect();
    catalog.sort();
    assert_eq!(
        rows, catalog,
        "README's lint table and lints/*.toml disagree"
    );
}
