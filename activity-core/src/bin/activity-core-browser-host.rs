//! `activity-core-browser-host`: the browser extension's native messaging host.
//!
//! ```text
//! activity-core-browser-host --data-dir DIR [ORIGIN…]      (the browser starts it, through the
//!                                                          launcher `install` writes)
//! activity-core-browser-host install --browser chromium|chrome|firefox --data-dir DIR
//!                                    [--user-data-dir DIR]
//! activity-core-browser-host --version
//! ```
//!
//! Run by the browser, it reads the extension's messages on stdin until the browser closes it
//! and forwards them to the tracker of DIR (`<DIR>/browser.sock`); see
//! `activity_core::browser`. It exits 0 when stdin ends, whatever it was sent.

use std::path::PathBuf;
use std::process::ExitCode;

use activity_core::browser::install::{Browser, install};

const USAGE: &str = "usage: activity-core-browser-host --data-dir DIR\n       \
activity-core-browser-host install --browser chromium|chrome|firefox --data-dir DIR \
[--user-data-dir DIR]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("activity-core-browser-host: {e}");
            ExitCode::from(2)
        }
    }
}

fn value<'a>(args: &'a [String], i: &mut usize, flag: &str) -> Result<&'a str, String> {
    *i += 1;
    args.get(*i)
        .map(String::as_str)
        .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    if args.first().map(String::as_str) == Some("--version") {
        println!("activity-core-browser-host {}", env!("CARGO_PKG_VERSION"));
        return Ok(ExitCode::SUCCESS);
    }
    let installing = args.first().map(String::as_str) == Some("install");
    let (mut data_dir, mut browser, mut profile) = (None, None, None);
    let mut i = usize::from(installing);
    while i < args.len() {
        match args[i].as_str() {
            "--data-dir" => data_dir = Some(PathBuf::from(value(args, &mut i, "--data-dir")?)),
            "--browser" if installing => {
                browser = Some(
                    value(args, &mut i, "--browser")?
                        .parse::<Browser>()
                        .map_err(|e| e.to_string())?,
                );
            }
            "--user-data-dir" if installing => {
                profile = Some(PathBuf::from(value(args, &mut i, "--user-data-dir")?));
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            // What the browser passes: the extension's origin (Chromium) or the manifest path
            // and extension id (Firefox), and on some systems a parent window.
            other if !installing && !other.starts_with("--data") => {}
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
        i += 1;
    }
    let data_dir = data_dir.ok_or_else(|| format!("--data-dir is required\n{USAGE}"))?;
    if installing {
        let browser = browser.ok_or_else(|| format!("--browser is required\n{USAGE}"))?;
        let host = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
        let done =
            install(browser, profile.as_deref(), &data_dir, &host).map_err(|e| e.to_string())?;
        println!("{}", done.manifest.display());
        return Ok(ExitCode::SUCCESS);
    }
    let report = activity_core::browser::host::run(
        &data_dir,
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
    );
    eprintln!(
        "activity-core-browser-host: done: {} forwarded, {} refused, {} dropped, {} not delivered",
        report.forwarded, report.refused, report.dropped, report.unsent
    );
    Ok(ExitCode::SUCCESS)
}
