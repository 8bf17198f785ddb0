//! A developer's view of the lowering: the event graph of every body of one file, as
//! the dataflow sees it (scopes, creates, drops, yields).
//!
//!   cargo run --example dump_lowering -- FILE [EDITION]

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: dump_lowering FILE [EDITION (default 2021)]");
        return ExitCode::from(2);
    };
    let edition = match args.next().unwrap_or_else(|| "2021".into()).parse() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    match yieldsafe::analysis::dump::lowering(&text, edition) {
        Ok(dump) => {
            println!("{dump}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {path}: {e}");
            ExitCode::from(2)
        }
    }
}
