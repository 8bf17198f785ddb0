//! One line per finding, `path:line:col: warning: message [lint]`, for problem matchers
//! and quick greps.

use std::io::{self, Write};

use super::{color_writer, one_line, palette};
use crate::diagnostic::Diagnostic;

pub(super) fn render(
    diagnostics: &[Diagnostic],
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
    w.flush()
}
