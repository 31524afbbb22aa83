//! The `potable` command: pipeline stages, model operations and the web server.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = potable::cli::Cli::parse_with_env_help();
    if !matches!(cli.command, potable::cli::Command::Serve(_)) {
        potable_core::os::die_quietly_on_closed_stdout();
    }
    potable::logging::init(&cli.global);
    match potable::commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, without repeating a cause that an outer message
/// already quotes (library errors often include their source in their own text).
fn one_line(err: &anyhow::Error) -> String {
    let mut line = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if cause.contains(&line) {
            line = cause;
        } else if !line.contains(&cause) {
            line = format!("{line}: {cause}");
        }
    }
    line.replace('\n', " ")
}
