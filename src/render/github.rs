//! GitHub Actions workflow commands: one `::warning file=…,line=…,col=…,endLine=…,
//! endColumn=…,title=…::message` line per finding (`::error` at deny level), which the
//! runner turns into annotations on the pull request; the message carries the notes
//! and help under it. Problems become `::error` lines.
//!
//! The runner splits a command at `::` and its properties at `,` and `=`, so data is
//! escaped as the Actions toolkit does (`escapeData` / `escapeProperty`).

use std::io::{self, Write};

use crate::diagnostic::{Diagnostic, Problem};

pub(super) fn render(
    diagnostics: &[Diagnostic],
    problems: &[Problem],
    out: &mut dyn Write,
) -> io::Result<()> {
    for d in diagnostics {
        let p = &d.primary;
        let command = if d.level.is_error() {
            "error"
        } else {
            "warning"
        };
        let mut message = d.message.clone();
        for note in &d.notes {
            message.push_str("\nnote: ");
            message.push_str(note);
        }
        for help in d
            .help
            .iter()
            .chain(d.suggestions.iter().map(|s| &s.message))
        {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        for y in &d.yield_points {
            message.push_str(&format!(
                "\nheld across the yield point at line {}, column {}",
                y.span.line, y.span.column
            ));
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&p.file.to_string_lossy()),
            p.line,
            p.column,
            p.end_line,
            p.end_column,
            escape_property(&format!("yieldsafe: {}", d.lint)),
            escape_data(&message)
        )?;
    }
    for p in problems {
        let mut props = Vec::new();
        if let Some(file) = &p.file {
            props.push(format!("file={}", escape_property(&file.to_string_lossy())));
        }
        if let Some((line, col)) = p.position {
            props.push(format!("line={line},col={col}"));
        }
        props.push("title=yieldsafe".to_owned());
        writeln!(
            out,
            "::error {}::{}",
            props.join(","),
            escape_data(&p.message)
        )?;
    }
    out.flush()
}

/// The message after `::`: `%`, `\r` and `\n` are escaped.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: as data, and also `:` and `,`, which end a property.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_actions_toolkit() {
        assert_eq!(escape_data("50% a:b,c\r\nd"), "50%25 a:b,c%0D%0Ad");
        assert_eq!(escape_property("50% a:b,c\r\nd"), "50%25 a%3Ab%2Cc%0D%0Ad");
        // `%` first, so an escape is never escaped twice.
        assert_eq!(escape_data("%0A"), "%250A");
    }
}
