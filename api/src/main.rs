use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    tingke_api::cli::init_logging();
    let cli = tingke_api::cli::Cli::parse();
    match tingke_api::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
