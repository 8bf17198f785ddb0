//! The fixture runner: every file under `fixtures/` is checked in each of its
//! editions, and what yieldsafe reports must be exactly what the `//~` comments
//! expect — nothing missing, nothing extra. The rendered human output of each
//! fixture is an insta snapshot, and every machine-applicable fix is applied,
//! re-parsed and re-checked.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use yieldsafe::diagnostic::{Applicability, Diagnostic};
use yieldsafe::edition::Edition;
use yieldsafe::render::{self, Format};
use yieldsafe::source::{SourceFile, Sources};
use yieldsafe::LintLevels;

fn edition(e: u16) -> Edition {
    e.to_string().parse().expect("fixture editions are valid")
}

fn check(fx: &support::Fixture, text: &str, e: u16) -> (Vec<Diagnostic>, Vec<String>) {
    let file = SourceFile::new(Arc::from(fx.path.as_path()), Arc::from(text));
    let mut levels = LintLevels::default();
    for lint in &fx.warn {
        levels.set(lint, yieldsafe::diagnostic::Level::Warn);
    }
    let outcome = yieldsafe::check_source(&file, edition(e), &levels);
    let problems = outcome.problems.iter().map(|p| p.to_string()).collect();
    (outcome.diagnostics, problems)
}

/// How many findings of each (line, level, lint).
fn counts<'a>(
    items: impl Iterator<Item = (usize, &'a str, &'a str)>,
) -> BTreeMap<(usize, String, String), usize> {
    let mut m = BTreeMap::new();
    for (line, level, lint) in items {
        *m.entry((line, level.to_string(), lint.to_string()))
            .or_insert(0) += 1;
    }
    m
}

#[test]
fn every_fixture_reports_exactly_what_it_expects() {
    let fixtures = support::load_all();
    assert!(fixtures.len() >= 10, "the fixtures were not found");
    let mut failures = Vec::new();
    for fx in &fixtures {
        for &e in &fx.editions {
            let (diags, problems) = check(fx, &fx.text, e);
            for p in problems {
                failures.push(format!("{} ({e}): problem: {p}", fx.path.display()));
            }
            let got = counts(diags.iter().map(|d| {
                let level = if d.level.is_error() { "ERROR" } else { "WARN" };
                (d.primary.line, level, d.lint)
            }));
            let want = counts(
                fx.expectations
                    .iter()
                    .filter(|x| x.edition.is_none_or(|only| only == e))
                    .map(|x| (x.line, x.level.as_str(), x.lint.as_str())),
            );
            for (key, &n) in &want {
                let have = got.get(key).copied().unwrap_or(0);
                if have < n {
                    failures.push(format!(
                        "{}:{} ({e}): missing {} {} `{}`\n    {}",
                        fx.path.display(),
                        key.0,
                        n - have,
                        key.1,
                        key.2,
                        fx.line_text(key.0).trim()
                    ));
                }
            }
            for (key, &n) in &got {
                let expected = want.get(key).copied().unwrap_or(0);
                if n > expected {
                    let msg = diags
                        .iter()
                        .find(|d| d.primary.line == key.0 && d.lint == key.2)
                        .map(|d| d.message.clone())
                        .unwrap_or_default();
                    failures.push(format!(
                        "{}:{} ({e}): unexpected {} `{}`: {msg}\n    {}",
                        fx.path.display(),
                        key.0,
                        key.1,
                        key.2,
                        fx.line_text(key.0).trim()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn human_output_of_every_fixture() {
    for fx in support::load_all() {
        let e = fx.editions[0];
        let (diags, _) = check(&fx, &fx.text, e);
        let mut sources = Sources::default();
        sources.insert(Arc::from(fx.path.as_path()), Arc::from(fx.text.as_str()));
        let mut out = Vec::new();
        render::render(Format::Human, &diags, &sources, false, &mut out).expect("render to memory");
        let name = fx
            .path
            .strip_prefix("fixtures")
            .unwrap_or(&fx.path)
            .with_extension("")
            .to_string_lossy()
            .replace(['/', '\\'], "__");
        insta::assert_snapshot!(name, String::from_utf8_lossy(&out));
    }
}

/// Apply every machine-applicable edit of `diags` to `text`.
/// `text` with the machine-applicable fixes of `diags` made, as `--fix` makes them.
fn apply(path: &std::path::Path, text: &str, diags: &[Diagnostic]) -> String {
    let mut sources = Sources::default();
    sources.insert(Arc::from(path), Arc::from(text));
    let plan = yieldsafe::fix::plan(diags, &sources);
    plan.files
        .into_iter()
        .next()
        .map_or_else(|| text.to_owned(), |f| f.fixed)
}

#[test]
fn machine_applicable_fixes_remove_their_finding() {
    let mut fixed_any = false;
    let mut failures = Vec::new();
    for fx in support::load_all() {
        for &e in &fx.editions {
            let (diags, _) = check(&fx, &fx.text, e);
            let fixable: Vec<&Diagnostic> = diags
                .iter()
                .filter(|d| {
                    d.suggestions
                        .iter()
                        .any(|s| s.applicability == Applicability::MachineApplicable)
                })
                .collect();
            if fixable.is_empty() {
                continue;
            }
            fixed_any = true;
            let fixed = apply(&fx.path, &fx.text, &diags);
            if let Err(err) = syn::parse_file(&fixed) {
                failures.push(format!(
                    "{} ({e}): the fixed file does not parse: {err}",
                    fx.path.display()
                ));
                continue;
            }
            let (after, _) = check(&fx, &fixed, e);
            // Every finding that had a fix is gone; of the others, none is new (a
            // fix may also end a finding it had no fix for: `future_not_send` of a
            // future whose guard it ends).
            let unfixable: Vec<(&str, &str)> = diags
                .iter()
                .filter(|d| !fixable.contains(d))
                .map(|d| (d.lint, d.message.as_str()))
                .collect();
            let kept = after
                .iter()
                .all(|d| unfixable.contains(&(d.lint, d.message.as_str())));
            if after.len() > unfixable.len() || !kept {
                failures.push(format!(
                    "{} ({e}): {} findings before, {} fixable, {} after the fix:\n{}",
                    fx.path.display(),
                    diags.len(),
                    fixable.len(),
                    after.len(),
                    after
                        .iter()
                        .map(|d| format!("  {}:{} {}", d.primary.line, d.primary.column, d.message))
                        .collect::<Vec<_>>()
                        .join("\n")
                ));
            }
            // A second run has nothing more to fix.
            if after.iter().any(|d| {
                d.suggestions
                    .iter()
                    .any(|s| s.applicability == Applicability::MachineApplicable)
            }) {
                failures.push(format!(
                    "{} ({e}): the fix is not idempotent",
                    fx.path.display()
                ));
            }
        }
    }
    assert!(
        fixed_any,
        "no fixture has a machine-applicable fix: the fix path is untested"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
