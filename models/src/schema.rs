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
        password_change_required -> Bool,
    }
}

diesel::table! {
    account_events (id) {
        id -> Text,
        user_id -> Text,
        actor_id -> Nullable<Text>,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    imports (id) {
        id -> Text,
        district_id -> Text,
        school_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        file_name -> Text,
        file_sha256 -> Text,
        plan -> Text,
        preview -> Text,
        status -> Text,
        created_at -> Timestamp,
        committed_at -> Nullable<Timestamp>,
        sheet_key_hash -> Nullable<Text>,
        sheet_people -> Nullable<Text>,
        sheet_taken_at -> Nullable<Timestamp>,
        removed -> Nullable<Integer>,
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
        qualifiers -> Text,
        contact_school_ids -> Text,
        grades -> Text,
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
        successor -> Nullable<Text>,
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
diesel::joinable!(observation_corrections -> observations (observation_id));
diesel::joinable!(mentorship_terms -> mentorships (mentorship_id));
diesel::joinable!(mentorship_activities -> mentorships (mentorship_id));
diesel::joinable!(mentorship_evaluations -> mentorships (mentorship_id));
diesel::table! {
    page_prints (page_no) {
        page_no -> Integer,
        page_id -> Text,
        district_id -> Text,
        print -> Binary,
        keys_version -> Integer,
    }
}

diesel::table! {
    page_marks (mark, page_no) {
        mark -> BigInt,
        page_no -> Integer,
    }
}

diesel::table! {
    mark_counts (mark) {
        mark -> BigInt,
        pages -> Integer,
    }
}

diesel::table! {
    page_matches (page_id, other_page_id) {
        page_id -> Text,
        other_page_id -> Text,
        district_id -> Text,
        inliers -> Integer,
        found_at -> Timestamp,
    }
}

diesel::joinable!(pages -> documents (document_id));
diesel::joinable!(page_prints -> pages (page_id));
diesel::joinable!(reviews -> documents (document_id));
diesel::joinable!(group_members -> school_groups (group_id));
diesel::joinable!(group_meetings -> school_groups (group_id));
diesel::joinable!(group_members -> users (user_id));
diesel::joinable!(check_results -> check_rounds (round_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    account_events,
    imports,
    districts,
    schools,
    terms,
    memberships,
    sessions,
    refresh_tokens,
    login_attempts,
    rubrics,
    observations,
    observation_corrections,
    quota_rules,
    mentorships,
    mentorship_terms,
    mentorship_activities,
    mentorship_evaluations,
    documents,
    pages,
    page_prints,
    page_marks,
    mark_counts,
    page_matches,
    reviews,
    idempotency_keys,
    sync_log,
    school_groups,
    group_members,
    group_meetings,
    calendar_entries,
    check_rounds,
    check_results,
    notices,
    follow_ups,
    inspections,
);

diesel::table! {
    calendar_entries (id) {
        id -> Text,
        district_id -> Text,
        term_id -> Text,
        school_id -> Nullable<Text>,
        scope_id -> Text,
        kind -> Text,
        starts_on -> Text,
        ends_on -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    group_meetings (id) {
        id -> Text,
        group_id -> Text,
        school_id -> Text,
        kind -> Text,
        held_on -> Text,
        topic -> Text,
        activity -> Nullable<Text>,
        lessons -> Text,
        main_preparer_id -> Nullable<Text>,
        document_id -> Nullable<Text>,
        discussion -> Text,
        revisions -> Text,
        attendance -> Text,
        observation_ids -> Text,
        recorded_by -> Text,
        request_hash -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    school_groups (id) {
        id -> Text,
        school_id -> Text,
        kind -> Text,
        name -> Text,
        subject -> Nullable<Text>,
        grade -> Nullable<Text>,
        created_by -> Text,
        request_hash -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    group_members (group_id, user_id) {
        group_id -> Text,
        user_id -> Text,
        leader -> Bool,
    }
}

diesel::table! {
    rubrics (id) {
        id -> Text,
        school_id -> Text,
        version -> Integer,
        items -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        pass_line -> Nullable<Integer>,
    }
}

diesel::table! {
    observations (id) {
        id -> Text,
        school_id -> Text,
        district_id -> Text,
        term_id -> Nullable<Text>,
        rubric_id -> Text,
        observer_id -> Text,
        teacher_id -> Text,
        kind -> Text,
        subject -> Text,
        grade -> Text,
        class_name -> Text,
        topic -> Text,
        started_at -> Timestamp,
        ended_at -> Timestamp,
        lesson_date -> Text,
        recorded_at -> Timestamp,
        scores -> Text,
        total_score -> Integer,
        strengths -> Text,
        suggestions -> Text,
        comments -> Text,
        status -> Text,
        submitted_at -> Nullable<Timestamp>,
        counted -> Bool,
        not_counted_reason -> Nullable<Text>,
        late -> Bool,
        acknowledged_at -> Nullable<Timestamp>,
        teacher_reply -> Nullable<Text>,
        request_hash -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        event_id -> Nullable<Text>,
        counts_for_teacher -> Bool,
    }
}

diesel::table! {
    observation_corrections (id) {
        id -> Text,
        observation_id -> Text,
        corrected_by -> Text,
        reason -> Text,
        changes -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    quota_rules (id) {
        id -> Text,
        district_id -> Text,
        role -> Text,
        activity -> Text,
        period -> Text,
        minimum -> Integer,
        created_at -> Timestamp,
        target -> Text,
        group_kind -> Nullable<Text>,
        school_id -> Nullable<Text>,
        qualifier -> Nullable<Text>,
        feedback_min_chars -> Nullable<Integer>,
    }
}

diesel::table! {
    mentorships (id) {
        id -> Text,
        school_id -> Text,
        district_id -> Text,
        mentor_id -> Text,
        apprentice_id -> Text,
        subjects -> Text,
        goals -> Text,
        status -> Text,
        ended_at -> Nullable<Timestamp>,
        end_reason -> Nullable<Text>,
        created_by -> Text,
        request_hash -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    mentorship_terms (mentorship_id, term_id) {
        mentorship_id -> Text,
        term_id -> Text,
    }
}

diesel::table! {
    mentorship_activities (id) {
        id -> Text,
        mentorship_id -> Text,
        kind -> Text,
        occurred_at -> Timestamp,
        occurred_on -> Text,
        term_id -> Text,
        notes -> Text,
        observation_id -> Nullable<Text>,
        logged_by -> Text,
        request_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mentorship_evaluations (id) {
        id -> Text,
        mentorship_id -> Text,
        term_id -> Text,
        rating -> Text,
        comments -> Text,
        evaluated_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    documents (id) {
        id -> Text,
        school_id -> Text,
        district_id -> Text,
        teacher_id -> Text,
        kind -> Text,
        subject -> Text,
        grade -> Text,
        topic -> Text,
        lesson_date -> Text,
        status -> Text,
        submitted_at -> Nullable<Timestamp>,
        approved_by -> Nullable<Text>,
        signed_off_by -> Nullable<Text>,
        request_hash -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        group_id -> Nullable<Text>,
    }
}

diesel::table! {
    pages (id) {
        id -> Text,
        document_id -> Text,
        school_id -> Text,
        teacher_id -> Text,
        position -> Integer,
        width -> Integer,
        height -> Integer,
        bytes -> BigInt,
        sha256 -> Text,
        phash -> BigInt,
        page_key -> Text,
        thumb_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reviews (id) {
        id -> Text,
        document_id -> Text,
        reviewer_id -> Text,
        verdict -> Text,
        comments -> Text,
        guidance -> Text,
        rectify_by -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (user_id, idempotency_key) {
        user_id -> Text,
        idempotency_key -> Text,
        method -> Text,
        path -> Text,
        status -> Integer,
        content_type -> Text,
        etag -> Nullable<Text>,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sync_log (kind, entity_id) {
        kind -> Text,
        entity_id -> Text,
        scope_id -> Text,
        deleted -> Bool,
        seq -> Nullable<BigInt>,
    }
}

diesel::table! {
    check_rounds (id) {
        id -> Text,
        school_id -> Text,
        title -> Text,
        starts_on -> Text,
        ends_on -> Text,
        closed_at -> Nullable<Timestamp>,
        opened_by -> Text,
        request_hash -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    check_results (id) {
        id -> Text,
        round_id -> Text,
        school_id -> Text,
        teacher_id -> Text,
        checked_by -> Text,
        plan_ids -> Text,
        homework_ids -> Text,
        grade -> Text,
        comments -> Text,
        guidance -> Text,
        reply -> Nullable<Text>,
        replied_at -> Nullable<Timestamp>,
        request_hash -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notices (id) {
        id -> Text,
        school_id -> Text,
        district_id -> Text,
        teacher_id -> Nullable<Text>,
        issued_by -> Text,
        about_kind -> Nullable<Text>,
        about_id -> Nullable<Text>,
        round -> Integer,
        status -> Text,
        due_on -> Text,
        rounds -> Text,
        request_hash -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    inspections (id) {
        id -> Text,
        school_id -> Text,
        district_id -> Text,
        term_id -> Text,
        inspected_on -> Text,
        parts -> Text,
        findings -> Text,
        grade -> Text,
        recorded_by -> Text,
        request_hash -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    follow_ups (id) {
        id -> Text,
        observation_id -> Text,
        school_id -> Text,
        teacher_id -> Text,
        opened_by -> Text,
        due_on -> Text,
        note -> Text,
        request_hash -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    open_weeks (id) {
        id -> Text,
        school_id -> Text,
        district_id -> Text,
        title -> Text,
        starts_on -> Text,
        ends_on -> Text,
        visitors -> Text,
        created_by -> Text,
        request_hash -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    events (id) {
        id -> Text,
        school_id -> Text,
        district_id -> Text,
        kind -> Text,
        teacher_id -> Text,
        subject -> Text,
        grade -> Text,
        class_name -> Text,
        topic -> Text,
        place -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        lesson_date -> Text,
        invited -> Text,
        open_week_id -> Nullable<Text>,
        meeting_id -> Nullable<Text>,
        created_by -> Text,
        request_hash -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    event_attendance (event_id, user_id) {
        event_id -> Text,
        user_id -> Text,
        checked_in_at -> Timestamp,
    }
}

diesel::table! {
    uploads (id) {
        id -> Text,
        user_id -> Text,
        document_id -> Text,
        school_id -> Text,
        page_index -> Nullable<Integer>,
        upload_length -> BigInt,
        upload_offset -> BigInt,
        metadata -> Text,
        page_id -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    upload_chunks (upload_id, start_offset) {
        upload_id -> Text,
        start_offset -> BigInt,
        chunk_length -> BigInt,
        blob_key -> Text,
    }
}
