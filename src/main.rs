//! The `impex` binary: parse the command line, run it, map the result to an exit code.
use std::process::ExitCode;

fn main() -> ExitCode {
    impex::cli::main()
}
