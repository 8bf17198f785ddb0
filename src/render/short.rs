//! One line per finding, `path:line:col: warning: message [lint]`, for problem matchers
//! and quick greps; then one line per problem, `path:line:col: error: message`.

use std::io::{self, Write};

use super::{color_writer, one_line, palette};
use crate::diagnostic::{Diagnostic, Problem};

pub(super) fn render(
    diagnostics: &[Diagnostic],
    problems: &[Problem],
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut w = color_writer(out, color);
    for d in diagnostics {
        let span = &d.primary;
        write!(
            w,
            "{}:{}:{}: ",
            span.file.to_string_lossy(),
            span.line,
            span.column
        )?;
        w.set_color(&palette::severity(d.level))?;
        write!(w, "{}", d.level.severity_word())?;
        w.reset()?;
        writeln!(w, ": {} [{}]", one_line(&d.message), d.lint)?;
    }
    for p in problems {
        match (&p.file, p.position) {
            (Some(file), Some((line, column))) => {
                write!(w, "{}:{line}:{column}: ", file.to_string_lossy())?
            }
            (Some(file), None) => write!(w, "{}: ", file.to_string_lossy())?,
            (None, _) => {}
        }
        w.set_color(&super::palette::error())?;
        write!(w, "error")?;
        w.reset()?;
        writeln!(w, ": {}", one_line(&p.message))?;
    }
    w.flush()
}
