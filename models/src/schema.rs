//! The portable diesel schema shared by SQLite and PostgreSQL (see `migrations/README.md`).

diesel::table! {
    users (id) {
        id -> Text,
        name -> Text,
        phone -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    districts (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    schools (id) {
        id -> Text,
        district_id -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    terms (id) {
        id -> Text,
        district_id -> Text,
        name -> Text,
        school_year -> Text,
        starts_on -> Text,
        ends_on -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    memberships (id) {
        id -> Text,
        user_id -> Text,
        district_id -> Text,
        school_id -> Nullable<Text>,
        scope_id -> Text,
        roles -> Text,
        subjects -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_attempts (phone) {
        phone -> Text,
        failures -> Integer,
        first_failed_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::joinable!(schools -> districts (district_id));
diesel::joinable!(terms -> districts (district_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    districts,
    schools,
    terms,
    memberships,
    sessions,
    refresh_tokens,
    login_attempts,
);
