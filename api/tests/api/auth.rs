use crate::helpers::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;
use tingke_api::auth::tokens::{self, Claims};

fn login_body(phone: &str, password: &str) -> serde_json::Value {
    json!({ "phone": phone, "password": password })
}

/// One route of each way of reading the caller: the `Caller` extractor (`/v1/me`), and
/// `Verified` with `Caller::load` on the handler's own connection (sync and progress).
const CALLER_PATHS: [&str; 3] = ["/v1/me", "/v1/sync", "/v1/quotas/progress?term_id=x"];

#[tokio::test]
async fn login_returns_tokens_and_the_user_with_memberships() {
    let app = spawn_demo_app().await;
    let res = app
        .post("/v1/auth/login")
        .json(login_body(PRINCIPAL_A, DEMO_PASSWORD))
        .send()
        .await
        .expect_status(200);
    assert_eq!(res.str("token_type"), "Bearer");
    assert_eq!(res.body["expires_in"], 900);
    assert_eq!(res.body["user"]["phone"], PRINCIPAL_A);
    let roles = &res.body["user"]["memberships"][0]["roles"];
    assert!(roles.as_array().unwrap().contains(&json!("principal")));
    let me = app
        .get("/v1/me")
        .token(res.str("access_token"))
        .send()
        .await
        .expect_status(200);
    assert_eq!(
        me.body, res.body["user"],
        "/v1/me is the user the login returned"
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_phone_answer_alike() {
    let app = spawn_demo_app().await;
    let wrong = app
        .post("/v1/auth/login")
        .json(login_body(TEACHER_A, "not-the-password"))
        .send()
        .await
        .expect_problem(401, "invalid_credentials");
    let unknown = app
        .post("/v1/auth/login")
        .json(login_body("13712345678", "not-the-password"))
        .send()
        .await
        .expect_problem(401, "invalid_credentials");
    let strip = |v: &serde_json::Value| {
        let mut v = v.clone();
        v.as_object_mut().unwrap().remove("request_id");
        v
    };
    assert_eq!(strip(&wrong.body), strip(&unknown.body));
}

#[tokio::test]
async fn repeated_failures_lock_the_phone_with_retry_after() {
    let app = spawn_app_with(|c| c.login.max_failures = 3).await;
    for _ in 0..3 {
        app.post("/v1/auth/login")
            .json(login_body(ADMIN_PHONE, "wrong-password"))
            .send()
            .await
            .expect_problem(401, "invalid_credentials");
    }
    // Locked now: even the right password is refused until the lock ends.
    let locked = app
        .post("/v1/auth/login")
        .json(login_body(ADMIN_PHONE, PASSWORD))
        .send()
        .await
        .expect_problem(429, "too_many_attempts");
    let retry: u64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 800 && retry <= 900, "retry after {retry}");
    // Another phone is not affected.
    app.post("/v1/auth/login")
        .json(login_body("13712345678", "x"))
        .send()
        .await
        .expect_problem(401, "invalid_credentials");
}

#[tokio::test]
async fn one_address_guessing_many_phones_is_locked_out() {
    let app = spawn_app_with(|c| {
        c.login.max_failures = 100;
        c.login.max_failures_per_ip = 4;
    })
    .await;
    // One failure each for four different phones, all from this address...
    for phone in ["13700000001", "13700000002", "13700000003", ADMIN_PHONE] {
        app.post("/v1/auth/login")
            .json(login_body(phone, "guess-1234"))
            .send()
            .await
            .expect_problem(401, "invalid_credentials");
    }
    // ...and the address is locked, for every phone, the right password included.
    let locked = app
        .post("/v1/auth/login")
        .json(login_body(ADMIN_PHONE, PASSWORD))
        .send()
        .await
        .expect_problem(429, "too_many_attempts");
    assert!(locked.header("retry-after").is_some());
}

/// The outside probe (issue 26, item 4) sent 40 wrong passwords for one phone at a time and saw
/// 80 to 194 checked before the lock of 5; per address, 300 of 300 against 50. Each check is now
/// counted before it runs, so no more than the limit are ever checked.
#[tokio::test]
async fn parallel_failed_logins_never_pass_the_limits() {
    let app = spawn_app().await;
    let attempt = |phone: String| {
        app.post("/v1/auth/login")
            .json(login_body(&phone, "wrong-password"))
            .send()
    };
    let tally = |answers: Vec<Response>| {
        let checked = answers.iter().filter(|r| r.status == 401).count();
        let locked = answers
            .iter()
            .filter(|r| r.status == 429 && r.code() == "too_many_attempts")
            .count();
        assert_eq!(checked + locked, answers.len(), "only 401 and 429");
        checked
    };
    let one_phone = (0..40).map(|_| attempt(ADMIN_PHONE.to_string()));
    let checked = tally(futures_util::future::join_all(one_phone).await);
    assert_eq!(checked, 5, "one phone: checks before the lock");
    // Many phones from one address (a probe through one NAT): 50 checks, then the address.
    let many = (0..120).map(|i| attempt(format!("1370000{i:04}")));
    let checked = tally(futures_util::future::join_all(many).await);
    assert_eq!(checked, 45, "the address had 5 failures already; 50 in all");
}

#[tokio::test]
async fn the_lock_ends_and_a_success_clears_the_count() {
    let app = spawn_app_with(|c| {
        c.login.max_failures = 2;
        c.login.lock = std::time::Duration::from_secs(1);
    })
    .await;
    for _ in 0..2 {
        app.post("/v1/auth/login")
            .json(login_body(ADMIN_PHONE, "wrong-password"))
            .send()
            .await;
    }
    app.post("/v1/auth/login")
        .json(login_body(ADMIN_PHONE, PASSWORD))
        .send()
        .await
        .expect_problem(429, "too_many_attempts");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.admin().await;
    // The success cleared the failures: one more failure does not lock again.
    app.post("/v1/auth/login")
        .json(login_body(ADMIN_PHONE, "wrong-password"))
        .send()
        .await
        .expect_problem(401, "invalid_credentials");
    app.admin().await;
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_family() {
    // No grace: an old token presented again at once is reuse (see the next test for retries).
    let app = spawn_app_with(|c| c.refresh_grace = std::time::Duration::ZERO).await;
    let first = app.admin().await;
    let second = app
        .post("/v1/auth/refresh")
        .json(json!({ "refresh_token": first.refresh_token }))
        .send()
        .await
        .expect_status(200);
    assert_ne!(second.str("refresh_token"), first.refresh_token);
    let new_access = second.str("access_token").to_string();
    let new_refresh = second.str("refresh_token").to_string();
    app.get("/v1/me")
        .token(&new_access)
        .send()
        .await
        .expect_status(200);

    // The old refresh token again: someone copied it. The whole session ends.
    app.post("/v1/auth/refresh")
        .json(json!({ "refresh_token": first.refresh_token }))
        .send()
        .await
        .expect_problem(401, "refresh_token_reused");
    app.post("/v1/auth/refresh")
        .json(json!({ "refresh_token": new_refresh }))
        .send()
        .await
        .expect_problem(401, "token_revoked");
    app.get("/v1/me")
        .token(&new_access)
        .send()
        .await
        .expect_problem(401, "token_revoked");
    for path in CALLER_PATHS {
        app.get(path)
            .token(&first.token)
            .send()
            .await
            .expect_problem(401, "token_revoked");
    }

    // Other sessions of the same user live on.
    let other = app.admin().await;
    app.get("/v1/me")
        .token(&other.token)
        .send()
        .await
        .expect_status(200);
}

#[tokio::test]
async fn a_refresh_retried_after_a_lost_answer_keeps_the_session() {
    let app = spawn_app().await;
    let first = app.admin().await;
    let refresh = |token: &str| {
        app.post("/v1/auth/refresh")
            .json(json!({ "refresh_token": token }))
    };
    // The answer to this refresh never reaches the phone...
    let lost = refresh(&first.refresh_token)
        .send()
        .await
        .expect_status(200);
    // ...which retries with the same token, twice, within the grace period.
    refresh(&first.refresh_token)
        .send()
        .await
        .expect_status(200);
    let kept = refresh(&first.refresh_token)
        .send()
        .await
        .expect_status(200);
    // The retries answer the lost answer's refresh token: one chain, never two.
    assert_eq!(lost.str("refresh_token"), kept.str("refresh_token"));
    // The phone goes on with what it kept; the session is intact.
    app.get("/v1/me")
        .token(kept.str("access_token"))
        .send()
        .await
        .expect_status(200);
    let next = refresh(kept.str("refresh_token"))
        .send()
        .await
        .expect_status(200);
    // Once the session has moved on, the first token again is reuse: the session ends.
    refresh(&first.refresh_token)
        .send()
        .await
        .expect_problem(401, "refresh_token_reused");
    refresh(next.str("refresh_token"))
        .send()
        .await
        .expect_problem(401, "token_revoked");
}

/// The outside probe's fork (issue 26, item 5): a token refreshed twice within the grace
/// window, then both answers' tokens refreshed in turn for three rounds, all answered 200 with
/// two live chains. Now both answers carry the same refresh token, each round's second refresh
/// is a retry of the first, and once the chain has moved on an older token ends the session.
#[tokio::test]
async fn a_refresh_repeated_within_the_grace_window_never_forks_the_session() {
    let app = spawn_app().await;
    let first = app.admin().await;
    let refresh = |token: String| {
        let call = app
            .post("/v1/auth/refresh")
            .json(json!({ "refresh_token": token }));
        async move { call.send().await }
    };
    let a = refresh(first.refresh_token.clone())
        .await
        .expect_status(200);
    let b = refresh(first.refresh_token.clone())
        .await
        .expect_status(200);
    assert_eq!(a.str("refresh_token"), b.str("refresh_token"));
    let mut chain = vec![a.str("refresh_token").to_string()];
    for _ in 0..3 {
        let head = chain.last().unwrap().clone();
        let x = refresh(head.clone()).await.expect_status(200);
        let y = refresh(head).await.expect_status(200);
        assert_eq!(
            x.str("refresh_token"),
            y.str("refresh_token"),
            "one successor"
        );
        chain.push(x.str("refresh_token").to_string());
    }
    // The session has one unused refresh token: the head of its one chain.
    assert_eq!(app.count("refresh_tokens WHERE used_at IS NULL"), 1);
    // A token the chain has moved past is reuse: the session ends, head and all.
    refresh(chain[1].clone())
        .await
        .expect_problem(401, "refresh_token_reused");
    refresh(chain.last().unwrap().clone())
        .await
        .expect_problem(401, "token_revoked");
    app.get("/v1/me")
        .token(a.str("access_token"))
        .send()
        .await
        .expect_problem(401, "token_revoked");
}

/// Ten refreshes of one token at once (a phone's retries racing its first attempt): every one
/// answers the same new refresh token, and the session goes on with it.
#[tokio::test]
async fn concurrent_refreshes_of_one_token_answer_one_successor() {
    let app = spawn_app().await;
    let first = app.admin().await;
    let answers = futures_util::future::join_all((0..10).map(|_| {
        app.post("/v1/auth/refresh")
            .json(json!({ "refresh_token": first.refresh_token }))
            .send()
    }))
    .await;
    let tokens: std::collections::BTreeSet<String> = answers
        .into_iter()
        .map(|r| r.expect_status(200).str("refresh_token").to_string())
        .collect();
    assert_eq!(tokens.len(), 1, "one successor: {tokens:?}");
    assert_eq!(app.count("refresh_tokens WHERE used_at IS NULL"), 1);
    let next = tokens.into_iter().next().unwrap();
    app.post("/v1/auth/refresh")
        .json(json!({ "refresh_token": next }))
        .send()
        .await
        .expect_status(200);
}

#[tokio::test]
async fn unknown_and_expired_refresh_tokens_are_refused() {
    let app = spawn_app_with(|c| c.refresh_ttl = std::time::Duration::from_secs(1)).await;
    app.post("/v1/auth/refresh")
        .json(json!({ "refresh_token": "made-up" }))
        .send()
        .await
        .expect_problem(401, "invalid_refresh_token");
    let session = app.admin().await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.post("/v1/auth/refresh")
        .json(json!({ "refresh_token": session.refresh_token }))
        .send()
        .await
        .expect_problem(401, "refresh_token_expired");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let session = app.admin().await;
    app.post("/v1/auth/logout")
        .token(&session.token)
        .send()
        .await
        .expect_status(204);
    app.get("/v1/me")
        .token(&session.token)
        .send()
        .await
        .expect_problem(401, "token_revoked");
    app.post("/v1/auth/refresh")
        .json(json!({ "refresh_token": session.refresh_token }))
        .send()
        .await
        .expect_problem(401, "token_revoked");
}

fn sign(claims: &Claims, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}

#[tokio::test]
async fn forged_expired_and_missing_tokens_are_refused() {
    let app = spawn_app().await;
    let session = app.admin().await;
    let secret = &app.config.jwt_secret;
    let sid = tokens::verify_access(secret, &session.token).unwrap().sid;
    let now = chrono::Utc::now().timestamp();
    let claims = |iat: i64, exp: i64| Claims {
        sub: session.id().into(),
        sid: sid.clone(),
        iat,
        exp,
    };

    let expired = sign(&claims(now - 1000, now - 10), secret);
    let wrong_key = sign(&claims(now, now + 600), b"another-secret-another-secret-xx");
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(now, now + 600)).unwrap());
    let unsigned = format!("{header}.{payload}.");
    let mut tampered = session.token.clone();
    tampered.replace_range(tampered.len() - 3.., "AAA");

    for (token, code) in [
        (expired.as_str(), "token_expired"),
        (wrong_key.as_str(), "invalid_token"),
        (unsigned.as_str(), "invalid_token"),
        (tampered.as_str(), "invalid_token"),
        ("garbage", "invalid_token"),
    ] {
        app.get("/v1/me")
            .token(token)
            .send()
            .await
            .expect_problem(401, code);
    }
    app.get("/v1/me")
        .send()
        .await
        .expect_problem(401, "missing_token");
    app.get("/v1/me")
        .header("authorization", &format!("Basic {}", session.token))
        .send()
        .await
        .expect_problem(401, "invalid_token");
}

#[tokio::test]
async fn a_deleted_user_is_locked_out_at_once() {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let teacher = app.demo(TEACHER_A).await;
    app.delete(&format!("/v1/users/{}", teacher.id()))
        .token(&admin.token)
        .send()
        .await
        .expect_status(204);
    for path in CALLER_PATHS {
        app.get(path)
            .token(&teacher.token)
            .send()
            .await
            .expect_problem(401, "account_disabled");
    }
    app.post("/v1/auth/login")
        .json(login_body(TEACHER_A, DEMO_PASSWORD))
        .send()
        .await
        .expect_problem(401, "invalid_credentials");
    app.post("/v1/auth/refresh")
        .json(json!({ "refresh_token": teacher.refresh_token }))
        .send()
        .await
        .expect_problem(401, "token_revoked");
}

#[tokio::test]
async fn only_an_admin_deletes_users() {
    let app = spawn_demo_app().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let teacher = app.demo(TEACHER_A).await;
    app.delete(&format!("/v1/users/{}", teacher.id()))
        .token(&principal.token)
        .send()
        .await
        .expect_problem(403, "forbidden");
    let admin = app.admin().await;
    app.delete("/v1/users/no-such-user")
        .token(&admin.token)
        .send()
        .await
        .expect_problem(404, "not_found");
    app.get("/v1/me")
        .token(&teacher.token)
        .send()
        .await
        .expect_status(200);
}

#[tokio::test]
async fn passwords_are_stored_as_argon2_hashes() {
    let app = spawn_app().await;
    let mut conn = app.db.read_conn().unwrap();
    let user = tingke_models::users::find_by_phone(&mut conn, ADMIN_PHONE)
        .unwrap()
        .unwrap();
    assert!(user.password_hash.starts_with("$argon2id$"));
    assert!(!user.password_hash.contains(PASSWORD));
}

/// After a leak (issue 26, item 10): the user changes their password with the old one, and
/// every other session ends; this one goes on.
#[tokio::test]
async fn a_password_change_needs_the_old_one_and_ends_every_other_session() {
    let app = spawn_demo_app().await;
    let here = app.demo(TEACHER_A).await;
    let elsewhere = app.demo(TEACHER_A).await;
    let change = |old: &str, new: &str| {
        app.post("/v1/me/password")
            .token(&here.token)
            .json(json!({ "old_password": old, "new_password": new }))
    };
    change("not-my-password", "new-password-9")
        .send()
        .await
        .expect_problem(422, "wrong_password");
    change(DEMO_PASSWORD, "short")
        .send()
        .await
        .expect_problem(422, "password_too_short");
    change(DEMO_PASSWORD, "new-password-9")
        .send()
        .await
        .expect_status(204);
    app.get("/v1/me")
        .token(&here.token)
        .send()
        .await
        .expect_status(200);
    app.get("/v1/me")
        .token(&elsewhere.token)
        .send()
        .await
        .expect_problem(401, "token_revoked");
    app.post("/v1/auth/refresh")
        .json(json!({ "refresh_token": elsewhere.refresh_token }))
        .send()
        .await
        .expect_problem(401, "token_revoked");
    app.post("/v1/auth/login")
        .json(login_body(TEACHER_A, DEMO_PASSWORD))
        .send()
        .await
        .expect_problem(401, "invalid_credentials");
    app.login(TEACHER_A, "new-password-9").await;
}

/// A stolen access token cannot guess the password through the change: wrong old passwords
/// count against the phone's login limit.
#[tokio::test]
async fn wrong_old_passwords_count_against_the_login_limit() {
    let app = spawn_demo_app_with(|c| c.login.max_failures = 3).await;
    let thief = app.demo(TEACHER_A).await;
    for _ in 0..3 {
        app.post("/v1/me/password")
            .token(&thief.token)
            .json(json!({ "old_password": "guess-123", "new_password": "new-password-9" }))
            .send()
            .await
            .expect_problem(422, "wrong_password");
    }
    app.post("/v1/me/password")
        .token(&thief.token)
        .json(json!({ "old_password": DEMO_PASSWORD, "new_password": "new-password-9" }))
        .send()
        .await
        .expect_problem(429, "too_many_attempts");
}

#[tokio::test]
async fn ending_the_other_sessions_keeps_this_one() {
    let app = spawn_demo_app().await;
    let here = app.demo(PRINCIPAL_A).await;
    let lost_phone = app.demo(PRINCIPAL_A).await;
    let someone_else = app.demo(TEACHER_A).await;
    app.post("/v1/me/sessions/end-others")
        .token(&here.token)
        .send()
        .await
        .expect_status(204);
    for (session, status) in [(&here, 200), (&lost_phone, 401), (&someone_else, 200)] {
        let res = app.get("/v1/me").token(&session.token).send().await;
        assert_eq!(res.status, status, "{}", res.text);
    }
    app.post("/v1/auth/refresh")
        .json(json!({ "refresh_token": lost_phone.refresh_token }))
        .send()
        .await
        .expect_problem(401, "token_revoked");
}

/// Phone numbers are reassigned: a deleted user's number can be given to a new member, who logs
/// in with it; the deleted user stays deleted.
#[tokio::test]
async fn a_deleted_users_phone_can_be_added_again() {
    let app = spawn_demo_app().await;
    let admin = app.admin().await;
    let principal = app.demo(PRINCIPAL_A).await;
    let school = principal.school_id();
    // Taken by someone of another name (a member of the same name would join the school).
    add_member(&app, &principal, &school, TEACHER_A, &["teacher"])
        .await
        .expect_problem(409, "phone_other_name");
    let old = app.demo(TEACHER_A).await;
    app.delete(&format!("/v1/users/{}", old.id()))
        .token(&admin.token)
        .send()
        .await
        .expect_status(204);
    let new = add_member(&app, &principal, &school, TEACHER_A, &["teacher"])
        .await
        .expect_status(201);
    let session = app.login(TEACHER_A, PASSWORD).await;
    assert_ne!(session.id(), old.id());
    assert_eq!(new.body["phone"], TEACHER_A);
    app.post("/v1/auth/login")
        .json(login_body(TEACHER_A, DEMO_PASSWORD))
        .send()
        .await
        .expect_problem(401, "invalid_credentials");
}
