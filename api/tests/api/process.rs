//! The real `tingke` binary as a child process, for tests that restart or kill it.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tingke_api::storage::StorageConfig;

/// The binary with a clean environment: only the data directory and the database. It is this
/// build's, or `TINGKE_TEST_BINARY` (a release build, for the load run's figures).
pub fn tingke(data_dir: &std::path::Path, database_url: &str) -> Command {
    let binary = std::env::var("TINGKE_TEST_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_tingke").to_string());
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TINGKE_DATA_DIR", data_dir)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn");
    cmd
}

/// Points the binary at the same blob store as `storage` (local files go to the data
/// directory's `blobs` folder already).
pub fn with_storage(cmd: &mut Command, storage: &StorageConfig) {
    if let StorageConfig::S3(s3) = storage {
        cmd.env("TINGKE_STORAGE", "s3")
            .env("TINGKE_S3_BUCKET", &s3.bucket)
            .env("TINGKE_S3_REGION", &s3.region)
            .env("AWS_ACCESS_KEY_ID", &s3.access_key)
            .env("AWS_SECRET_ACCESS_KEY", &s3.secret_key);
        if let Some(endpoint) = &s3.endpoint {
            cmd.env("TINGKE_S3_ENDPOINT", endpoint);
        }
    }
}

/// Runs the binary with `args` against the app's database and blob store; answers its
/// standard output, and fails the test when it fails.
pub fn run_on(app: &crate::helpers::TestApp, args: &[&str]) -> String {
    let mut cmd = tingke(app.dir(), &app.config.database_url);
    with_storage(&mut cmd, &app.config.storage);
    let out = cmd.args(args).output().expect("run tingke");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A running server, killed when dropped.
pub struct Server(pub Child);

impl Server {
    /// Kills the process as the kernel's OOM killer or a power cut would: no shutdown at all.
    pub fn sigkill(&mut self) {
        // `Child::kill` sends SIGKILL on Unix.
        self.0.kill().expect("SIGKILL");
        self.0.wait().expect("reap");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn wait_ready(address: &str) {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(res) = client.get(format!("{address}/readyz")).send().await {
            if res.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server never became ready");
}

/// `tingke serve --demo` on `port`.
pub fn serve(data_dir: &std::path::Path, url: &str, port: u16) -> Server {
    serve_with(tingke(data_dir, url), port)
}

/// `tingke serve --demo` on `port`, from a prepared command.
pub fn serve_with(mut cmd: Command, port: u16) -> Server {
    let child = cmd
        .args(["serve", "--demo"])
        .env("TINGKE_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tingke");
    Server(child)
}
