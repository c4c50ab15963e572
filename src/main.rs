//! The `kubesim` binary: parse arguments, call the library, map errors to
//! exit codes (0 ok, 1 a sweep assertion failed, 2 bad input or usage,
//! 3 the model broke one of its own invariants: a kubesim bug, 130 a sweep
//! was interrupted by Ctrl-C or SIGTERM and can be resumed).

use clap::Parser;

fn main() {
    let cli = kubesim::cli::Cli::parse();
    if let Err(e) = kubesim::cli::run(cli) {
        eprintln!("error: {}", e.message);
        std::process::exit(e.code);
    }
}
