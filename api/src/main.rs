use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    return_large_buffers_to_the_system();
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

/// Every buffer of 4 MiB or more (a decoded photo is 36 MB) gets pages of its own from the
/// kernel and gives them back when freed. glibc's default raises this threshold to the size of
/// the last such buffer freed, after which photos were decoded into the per-thread heaps, which
/// kept them: 50 uploads at once took the server to 804 MB, with it 260 MB, as fast
/// (`bench/upload.sh`, BENCHMARKS.md).
fn return_large_buffers_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called first thing, before any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}
