//! The `tingke` command line: serve, migrate, create-admin, import, demo --scale.

use crate::auth::password;
use crate::config::Config;
use crate::demo;
use crate::startup::{open_database, Application};
use clap::{Parser, Subcommand};
use tingke_models::users::{self, NewUser};

#[derive(Debug, Parser)]
#[command(
    name = "tingke",
    version,
    about = "Tingke: classroom observations, lesson plans and quotas"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (migrations run first).
    Serve {
        /// On an empty database, seed a demo district and print its logins.
        #[arg(long)]
        demo: bool,
    },
    /// Run pending database migrations and exit.
    Migrate,
    /// Fill an empty database with a generated district for benchmarks, and print its logins.
    Demo {
        /// 1 is 200 schools, 20,000 teachers and about 1,000,000 observations in a school year;
        /// 0.005 is one school of 100 teachers.
        #[arg(long)]
        scale: f64,
        /// Seed of the pseudo-random data: the same scale and seed make the same district.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Remove page photos that no page record points at (left by a crash or a store outage
    /// mid-upload). Photos younger than --min-age-minutes may belong to an upload in flight.
    GcBlobs {
        /// Only list what would be removed.
        #[arg(long)]
        dry_run: bool,
        #[arg(long, default_value_t = 60)]
        min_age_minutes: u64,
    },
    /// Take the print of every page that has none (pages uploaded before the index of copied
    /// pages existed) from its stored photo, and find the same pages among the district's.
    /// Safe to run again, and while the server runs.
    RebuildPrints,
    /// Import a district's workbook (.xlsx, or a .csv of people): prints the preview (what is
    /// created, changed, missing, and every problem); with --commit applies it, all or nothing,
    /// and writes the login sheet of the new people.
    Import {
        /// The workbook (`GET /v1/imports/template.xlsx` is the template).
        file: std::path::PathBuf,
        /// The district's id.
        #[arg(long)]
        district: String,
        /// Limit the import to this school of the district, as a principal's import over HTTP
        /// is: no new schools, no terms, no researchers, nobody outside it changed.
        #[arg(long)]
        school: Option<String>,
        /// Apply the preview (refused when it has problems).
        #[arg(long)]
        commit: bool,
        /// A membership the preview lists as missing, to remove (repeat for each).
        #[arg(long = "remove")]
        remove: Vec<String>,
        /// Where the login sheet goes (mode 0600); FILE with `.logins.xlsx` by default.
        #[arg(long)]
        login_sheet: Option<std::path::PathBuf>,
    },
    /// Create an administrator account. The password is read from TINGKE_ADMIN_PASSWORD, else
    /// asked for on the terminal (twice, not echoed), else read as one line from standard
    /// input; never from the command line, where every user of the machine sees it in `ps`.
    CreateAdmin {
        #[arg(long)]
        phone: String,
        #[arg(long)]
        name: String,
    },
}

pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

pub fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env()?;
    match cli.command {
        Command::Serve { demo } => serve(config, demo),
        Command::Demo { scale, seed } => demo_scale(config, scale, seed),
        Command::Migrate => {
            open_database(&config)?;
            println!("migrations are up to date");
            Ok(())
        }
        Command::GcBlobs {
            dry_run,
            min_age_minutes,
        } => gc_blobs(config, dry_run, min_age_minutes),
        Command::RebuildPrints => rebuild_prints(config),
        Command::Import {
            file,
            district,
            school,
            commit,
            remove,
            login_sheet,
        } => import(
            config,
            &file,
            (&district, school.as_deref()),
            commit,
            remove,
            login_sheet,
        ),
        Command::CreateAdmin { phone, name } => {
            let password = admin_password()?;
            let db = open_database(&config)?;
            let id = create_admin(&db, &phone, &password, &name)?;
            println!("created admin {name} ({phone}) with id {id}");
            Ok(())
        }
    }
}

fn serve(config: Config, seed_demo: bool) -> Result<(), Box<dyn std::error::Error>> {
    // Uploads are spooled to the data directory, whatever the database.
    crate::startup::check_writable(&config.data_dir)?;
    let db = open_database(&config)?;
    let mut seeded = None;
    if seed_demo {
        seeded = demo::seed(&db)?;
        if seeded.is_none() {
            println!("the database is not empty: demo data not seeded");
        }
    }
    let bind = config.bind.clone();
    let runtime = actix_web::rt::System::new();
    runtime.block_on(async move {
        let store = crate::storage::open(&config.storage).await?;
        if let Some(logins) = seeded {
            demo::seed_documents(&db, store.as_ref()).await?;
            println!("{logins}");
        }
        let app = Application::build_with(config, db, store)?;
        tracing::info!(%bind, "tingke listening on http://{bind}");
        app.run_until_stopped().await?;
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}

fn demo_scale(config: Config, scale: f64, seed: u64) -> Result<(), Box<dyn std::error::Error>> {
    if !(scale > 0.0 && scale <= 10.0) {
        return Err(format!("--scale must be more than 0 and at most 10, not {scale}").into());
    }
    let db = open_database(&config)?;
    let mut conn = db.write_conn()?;
    let taken = users::any_exist(&mut conn)?;
    drop(conn);
    if taken {
        return Err("the database is not empty: demo --scale fills an empty one".into());
    }
    let today = tingke_models::observations::local_date(tingke_models::now());
    let summary = crate::demo_scale::generate(&db, scale, seed, today)?;
    let runtime = actix_web::rt::System::new();
    runtime.block_on(async move {
        let store = crate::storage::open(&config.storage).await?;
        crate::demo_scale::put_shared_pages(store.as_ref()).await?;
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    print!("{summary}");
    Ok(())
}

fn import(
    config: Config,
    file: &std::path::Path,
    (district, school): (&str, Option<&str>),
    commit: bool,
    remove: Vec<String>,
    login_sheet: Option<std::path::PathBuf>,
) -> Result<(), Box<dyn std::error::Error>> {
    use crate::error::ApiError;
    use diesel::Connection;
    let describe = |e: ApiError| -> Box<dyn std::error::Error> {
        let cells: Vec<String> = e.errors.keys().cloned().collect();
        let mut text = format!(
            "{} ({})",
            crate::i18n::title(e.code, crate::i18n::Lang::En),
            e.code
        );
        if let Some(d) = &e.detail {
            text.push_str(&format!(": {d}"));
        }
        if !cells.is_empty() {
            text.push_str(&format!(" [{}]", cells.join(", ")));
        }
        text.into()
    };
    let bytes = std::fs::read(file)?;
    let db = open_database(&config)?;
    let mut conn = db.write_conn()?;
    if tingke_models::districts::find(&mut conn, district)?.is_none() {
        return Err(format!("no district {district}").into());
    }
    if let Some(school) = school {
        let found = tingke_models::schools::find(&mut conn, school)?;
        if found.is_none_or(|s| s.district_id != district) {
            return Err(format!("no school {school} in district {district}").into());
        }
    }
    let workbook = crate::import::read(&bytes).map_err(describe)?;
    let file_name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let upload = crate::import::Upload {
        district_id: district,
        school_id: school,
        by: None,
        file_name: &file_name,
        bytes: &bytes,
    };
    let lang = crate::i18n::Lang::Zh;
    let preview = (**conn)
        .transaction(|c| crate::import::preview(c, &upload, workbook, lang))
        .map_err(describe)?;
    let s = &preview.summary;
    println!("import {} of {}", preview.id, file.display());
    println!(
        "schools: {} new, {} unchanged; terms: {} new, {} unchanged; people: {} new, {} changed, {} unchanged, {} missing",
        s.schools.created, s.schools.unchanged, s.terms.created, s.terms.unchanged,
        s.people.created, s.people.changed, s.people.unchanged, s.missing
    );
    for m in &preview.missing {
        println!(
            "missing: {} {} {} (membership {})",
            m.school, m.name, m.phone, m.membership_id
        );
    }
    for p in &preview.problems {
        let value = p
            .value
            .as_deref()
            .map(|v| format!(" [{v}]"))
            .unwrap_or_default();
        println!(
            "problem: {}!{}{} {} {}{value}",
            p.sheet, p.column, p.row, p.code, p.message
        );
    }
    if !preview.committable {
        return Err(format!("{} problems: nothing imported", preview.problems.len()).into());
    }
    if !commit {
        println!("preview only: run again with --commit to apply it");
        return Ok(());
    }
    let path = login_sheet.unwrap_or_else(|| {
        let mut p = file.as_os_str().to_owned();
        p.push(".logins.xlsx");
        p.into()
    });
    if path.exists() {
        return Err(format!(
            "{} exists: the login sheet is never overwritten",
            path.display()
        )
        .into());
    }
    let found = crate::import::find(&mut conn, &preview.id, None).map_err(describe)?;
    let prepared = crate::import::prepare(&found, remove, &config.jwt_secret).map_err(describe)?;
    let committed = (**conn)
        .transaction(|c| crate::import::commit(c, &found, prepared))
        .map_err(describe)?;
    let found = crate::import::find(&mut conn, &preview.id, None).map_err(describe)?;
    let logins = (**conn)
        .transaction(|c| crate::import::take_sheet(c, &found, &committed.login_sheet.key))
        .map_err(describe)?;
    let sheet = crate::workbook::login_sheet(&logins).map_err(describe)?;
    write_private(&path, &sheet)?;
    println!(
        "committed: {} removed; login sheet of {} new people: {}",
        committed.removed,
        committed.login_sheet.people,
        path.display()
    );
    Ok(())
}

/// Writes a file only its owner reads (a login sheet holds passwords).
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

fn gc_blobs(
    config: Config,
    dry_run: bool,
    min_age_minutes: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let db = open_database(&config)?;
    let min_age = std::time::Duration::from_secs(min_age_minutes * 60);
    let runtime = actix_web::rt::System::new();
    let report = runtime.block_on(async move {
        let store = crate::storage::open(&config.storage).await?;
        crate::storage::gc::collect(&db, store.as_ref(), min_age, dry_run).await
    })?;
    for key in &report.orphans {
        println!("{} {key}", if dry_run { "orphan" } else { "removed" });
    }
    println!(
        "{} page blobs, {} without a page record ({} removed), {} younger than {min_age_minutes} min kept",
        report.scanned,
        report.orphans.len(),
        report.removed,
        report.young
    );
    println!(
        "{} resumable uploads past their expiry{}",
        report.expired_uploads,
        if dry_run { "" } else { " removed" }
    );
    Ok(())
}

fn rebuild_prints(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let db = open_database(&config)?;
    let runtime = actix_web::rt::System::new();
    let done = runtime.block_on(async move {
        let store = crate::storage::open(&config.storage).await?;
        crate::prints::rebuild(&db, store.as_ref(), &config.photo_limits).await
    })?;
    for page in &done.unreadable {
        println!("unreadable {page}");
    }
    println!(
        "{} pages printed, {} matches found, {} pages without a readable photo, \
         {} prints marked again with the keys of version {}",
        done.pages,
        done.matches,
        done.unreadable.len(),
        done.marked,
        tingke_photo::likeness::KEYS_VERSION
    );
    Ok(())
}

/// The environment variable `create-admin` reads the password from.
pub const ADMIN_PASSWORD_VAR: &str = "TINGKE_ADMIN_PASSWORD";

/// The new administrator's password: from [`ADMIN_PASSWORD_VAR`], else asked on the terminal,
/// else the first line of standard input (a script's pipe).
fn admin_password() -> Result<String, Box<dyn std::error::Error>> {
    if let Ok(p) = std::env::var(ADMIN_PASSWORD_VAR) {
        return Ok(p);
    }
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let first = prompt_hidden("password for the new administrator: ")?;
        let again = prompt_hidden("the same password again: ")?;
        if first != again {
            return Err("the two passwords differ".into());
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let line = line.trim_end_matches(['\r', '\n']).to_string();
    if line.is_empty() {
        return Err(format!(
            "no password: set {ADMIN_PASSWORD_VAR}, or run create-admin on a terminal"
        )
        .into());
    }
    Ok(line)
}

/// Reads a line from the terminal with echo off.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn prompt_hidden(prompt: &str) -> std::io::Result<String> {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let fd = std::io::stdin().as_raw_fd();
    // SAFETY: termios is plain data; tcgetattr fills it for a terminal descriptor.
    let mut saved: libc::termios = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::tcgetattr(fd, &mut saved) } == 0;
    if got {
        let mut quiet = saved;
        quiet.c_lflag &= !libc::ECHO;
        // SAFETY: sets the attributes read above with echo cleared.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) };
    }
    let mut line = String::new();
    let read = std::io::stdin().read_line(&mut line);
    if got {
        // SAFETY: restores the attributes read above.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) };
    }
    eprintln!();
    read?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn prompt_hidden(prompt: &str) -> std::io::Result<String> {
    eprint!("{prompt}");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0} is not a mobile phone number")]
    Phone(String),
    #[error("the password must have at least 8 characters")]
    Password,
    #[error("the phone number {0} is taken")]
    Taken(String),
    #[error(transparent)]
    Db(#[from] tingke_models::DbError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("hashing failed: {0}")]
    Hash(String),
}

/// Creates an administrator; used by the CLI, the demo seed and the tests.
pub fn create_admin(
    db: &tingke_models::Db,
    phone: &str,
    plain: &str,
    name: &str,
) -> Result<String, AdminError> {
    if !crate::validate::PHONE.is_match(phone) {
        return Err(AdminError::Phone(phone.into()));
    }
    crate::validate::password(plain).map_err(|_| AdminError::Password)?;
    let hash = password::hash(plain).map_err(|e| AdminError::Hash(e.to_string()))?;
    // Stored as the API stores names.
    let name = &tingke_models::names::normalise(name);
    let mut conn = db.write_conn()?;
    users::free_phone_of_deleted(&mut conn, phone)?;
    if users::find_by_phone(&mut conn, phone)?.is_some() {
        return Err(AdminError::Taken(phone.into()));
    }
    let id = tingke_models::new_id();
    let now = tingke_models::now();
    users::insert(
        &mut conn,
        &NewUser {
            id: &id,
            name,
            phone,
            password_hash: &hash,
            is_admin: true,
            created_at: now,
            updated_at: now,
        },
    )?;
    Ok(id)
}
