//! The migrations are embedded in the crate (`db.rs`, `embed_migrations!`): a migration added
//! or changed must rebuild it, which cargo does not know without being told.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
