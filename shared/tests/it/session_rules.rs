//! `/api/auth/session` and `/api/auth/signout` never answer "signed in" by mistake.

use crate::common;

use bi_local::sdk::enrolled_user;
use common::{ORIGIN, Stack, event};
use passkey_auth::http::MAX_BODY;
use passkey_auth::routes::session::SessionRoutes;
use passkey_auth::store::dynamo::DynamoSessionStore;
use passkey_auth::{AppConfig, Env, Sessions};
use serde_json::json;

#[tokio::test]
async fn anything_but_a_live_session_is_signed_out() {
    let stack = Stack::start().await;
    let signed_out = json!(false);

    let answer = stack.get_session(&[]).await;
    assert_eq!((answer.status(), answer.json()), (200, signed_out.clone()));
    assert_eq!(answer.cookie("__Host-session"), None, "nothing to clear");

    // A token of the right form that names no session (ended, say) is signed out, and
    // its cookie left alone: by the time the answer arrives the browser may hold a newer
    // token under the same name (sign_in.rs, the second sign-in).
    let unknown = stack
        .get_session(&[&format!("__Host-session={}", "A".repeat(43))])
        .await;
    assert_eq!(unknown.json(), signed_out);
    assert_eq!(unknown.cookie("__Host-session"), None);
    for bogus in [
        "__Host-session=".to_owned(),
        "__Host-session=not-a-token".to_owned(),
        format!("__Host-session={}", "x".repeat(8000)),
        "__Host-session=%00%0d%0a".to_owned(),
    ] {
        let answer = stack.get_session(&[&bogus]).await;
        assert_eq!(
            (answer.status(), answer.json()),
            (200, signed_out.clone()),
            "{}",
            &bogus[..30.min(bogus.len())]
        );
        assert_eq!(
            answer.cookie("__Host-session").as_deref(),
            Some(""),
            "a bogus cookie is cleared"
        );
    }

    let (_, passkey) = enrolled_user(&stack.bi, "lia@example.com").await;
    let a = stack.sign_in(&passkey).await;
    let b = stack.sign_in(&passkey).await;
    let answer = stack.get_session(&[&a, &b]).await;
    assert_eq!(
        answer.json(),
        signed_out,
        "two session cookies are ambiguous"
    );
}

#[tokio::test]
async fn idle_absolute_and_revoked_sessions_end() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "max@example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    let now = passkey_auth::now();
    let idle = stack.config.app.sessions.idle_timeout.as_secs() as i64;
    let max_age = stack.config.app.sessions.max_age.as_secs() as i64;
    let get =
        |at: i64| stack.session_at(event("GET", "/api/auth/session", &[], &[&cookie], None), at);

    assert!(
        get(now + idle - 10).await.json()["user"].is_object(),
        "used just before the idle limit"
    );
    // That use slid the idle limit forward…
    assert!(get(now + 2 * idle - 20).await.json()["user"].is_object());
    // …but not past the absolute limit, however active the session is.
    let mut at = now + 2 * idle - 20;
    while at + idle - 10 < now + max_age {
        at += idle - 10;
        assert!(get(at).await.json()["user"].is_object(), "at +{}", at - now);
    }
    assert_eq!(
        get(now + max_age).await.json(),
        json!(false),
        "absolute limit"
    );
    assert!(
        stack.items("session").await.is_empty(),
        "the expired session was deleted"
    );

    let cookie = stack.sign_in(&passkey).await;
    let get =
        |at: i64| stack.session_at(event("GET", "/api/auth/session", &[], &[&cookie], None), at);
    assert_eq!(
        get(passkey_auth::now() + idle + 1).await.json(),
        json!(false),
        "idle limit"
    );

    // Revoked: the item is gone (an admin, or a sign-out elsewhere).
    let cookie = stack.sign_in(&passkey).await;
    for item in stack.items("session").await {
        stack
            .db
            .delete_item()
            .table_name(&stack.table)
            .key("pk", item["pk"].clone())
            .send()
            .await
            .expect("delete");
    }
    assert_eq!(stack.get_session(&[&cookie]).await.json(), json!(false));
}

#[tokio::test]
async fn an_unreachable_table_is_a_503_never_a_session() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "ned@example.com").await;
    let cookie = stack.sign_in(&passkey).await;

    // The same routes, pointed at a port where nothing listens.
    let store = DynamoSessionStore::new(common::unreachable_dynamo(), stack.table.clone());
    let app = AppConfig::load(&Env::from_pairs([
        ("AUTH_URL", ORIGIN),
        ("SESSION_TABLE", stack.table.as_str()),
    ]))
    .expect("config");
    let routes = std::sync::Arc::new(SessionRoutes::new(
        app.clone(),
        Sessions::new(store, app.sessions.clone()),
    ));
    let invoke = |e| {
        let routes = routes.clone();
        common::invoke(
            move |r| {
                let routes = routes.clone();
                async move { routes.handle(&r, passkey_auth::now()).await }
            },
            e,
        )
    };
    let answer = invoke(event("GET", "/api/auth/session", &[], &[&cookie], None)).await;
    assert_eq!(answer.status(), 503);
    assert_eq!(answer.json()["error"], "session_store_unavailable");
    assert!(answer.json().get("user").is_none());
    let answer = invoke(event(
        "POST",
        "/api/auth/signout",
        &[("origin", ORIGIN), ("content-type", "application/json")],
        &[&cookie],
        Some("{}"),
    ))
    .await;
    assert_eq!(
        answer.status(),
        503,
        "a sign-out that could not delete the session says so"
    );
}

#[tokio::test]
async fn sign_out_follows_the_request_rules() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "ola@example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    let post = |headers: Vec<(&'static str, &'static str)>, body: Option<String>| {
        let e = event(
            "POST",
            "/api/auth/signout",
            &headers,
            &[&cookie],
            body.as_deref(),
        );
        stack.session_at(e, passkey_auth::now())
    };
    let json_ct = ("content-type", "application/json");

    let answer = post(vec![json_ct], Some("{}".into())).await;
    assert_eq!(
        (answer.status(), answer.json()["error"].clone()),
        (403, json!("forbidden_origin"))
    );
    let answer = post(
        vec![("origin", "https://evil.example"), json_ct],
        Some("{}".into()),
    )
    .await;
    assert_eq!(answer.status(), 403);
    let answer = post(
        vec![("origin", "http://localhost:3000.evil.example"), json_ct],
        Some("{}".into()),
    )
    .await;
    assert_eq!(answer.status(), 403);
    let answer = post(
        vec![("origin", ORIGIN), ("content-type", "text/plain")],
        Some("{}".into()),
    )
    .await;
    assert_eq!(
        (answer.status(), answer.json()["error"].clone()),
        (415, json!("unsupported_media_type"))
    );
    // The body cap: one byte over it is refused (the largest accepted is below).
    let json_of_size = |size: usize| format!("{{{}}}", " ".repeat(size - 2));
    let answer = post(
        vec![("origin", ORIGIN), json_ct],
        Some(json_of_size(MAX_BODY + 1)),
    )
    .await;
    assert_eq!(
        (answer.status(), answer.json()["error"].clone()),
        (413, json!("body_too_large"))
    );
    let answer = stack
        .session_at(
            event("GET", "/api/auth/signout", &[], &[&cookie], None),
            passkey_auth::now(),
        )
        .await;
    assert_eq!(
        (answer.status(), answer.header("allow")),
        (405, Some("POST"))
    );

    assert!(
        stack.get_session(&[&cookie]).await.json()["user"].is_object(),
        "refused sign-outs changed nothing"
    );
    let answer = post(
        vec![
            ("origin", ORIGIN),
            ("content-type", "application/json; charset=utf-8"),
        ],
        Some(json_of_size(MAX_BODY)),
    )
    .await;
    assert_eq!(answer.status(), 200);
    assert_eq!(stack.get_session(&[&cookie]).await.json(), json!(false));
    // Signing out again, or without a session, is fine and idempotent.
    assert_eq!(stack.sign_out(&[]).await.status(), 200);
}
