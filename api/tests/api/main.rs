//! Integration tests: the real server over HTTP on SQLite, or on PostgreSQL when
//! `TINGKE_TEST_DATABASE_URL` is set (see the README).

mod auth;
mod authz;
mod bad_input;
mod calendar;
mod callers;
mod cli;
mod console;
mod contract;
mod copies;
mod documents;
mod events;
mod faults;
mod grade_groups;
mod groups;
mod health;
mod helpers;
mod hostile;
mod idempotency;
mod imports;
mod interrupted;
mod late;
mod load;
mod mentorships;
mod observations;
mod openapi;
mod organisation;
mod policy_rules;
mod process;
mod quotas;
mod routine;
mod schema;
mod spec;
mod sync;
mod uploads;
mod versions;
