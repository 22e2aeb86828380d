//! `GET /api/auth/verify`, forward auth: a live session is identified in headers, by the
//! session check's own decision; anything else is refused, and only a page load is given
//! the way to sign in. (tests/forward-auth/ puts real nginx and Caddy in front of it.)

use crate::common;

use bi_local::sdk::enrolled_user;
use common::{Answer, ORIGIN, Stack, event};
use passkey_auth::routes::session::SessionRoutes;
use passkey_auth::store::dynamo::DynamoSessionStore;
use passkey_auth::{AppConfig, Env, Sessions};
use serde_json::json;

const PAGE: &str = "/reports/q3?year=2026&view=a%20b";
const SIGN_IN: &str = "http://localhost:3000/api/auth/signin?callbackUrl=%2Freports%2Fq3%3Fyear%3D2026%26view%3Da%2520b";
const IDENTITY: [&str; 3] = [
    "x-auth-request-user",
    "x-auth-request-email",
    "x-auth-request-name",
];

async fn verify(stack: &Stack, query: &str, headers: &[(&str, &str)], cookies: &[&str]) -> Answer {
    let path = format!("/api/auth/verify{query}");
    stack
        .session_at(
            event("GET", &path, headers, cookies, None),
            passkey_auth::now(),
        )
        .await
}

/// A refusal: 401 (or the 302 asked for), nobody named, no cookie touched.
fn assert_refused(answer: &Answer, status: u16, location: Option<&str>, case: &str) {
    assert_eq!(answer.status(), status, "{case}: {:?}", answer.0);
    assert_eq!(answer.header("location"), location, "{case}");
    for name in IDENTITY {
        assert_eq!(answer.header(name), None, "{case}: {name}");
    }
    assert!(
        answer.cookies().is_empty(),
        "{case}: a refusal sets no cookie"
    );
    if status == 401 {
        assert_eq!(answer.json()["error"], "unauthenticated", "{case}");
    }
}

#[tokio::test]
async fn a_live_session_is_named_in_headers_as_the_session_check_names_it() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "ida@example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    let user = stack.get_session(&[&cookie]).await.json()["user"].clone();

    let forwarded = [("x-forwarded-method", "POST"), ("x-forwarded-uri", PAGE)];
    for query in ["", "?redirect=1"] {
        let answer = verify(&stack, query, &forwarded, &[&cookie]).await;
        assert_eq!(answer.status(), 200, "{:?}", answer.0);
        assert_eq!(answer.json(), json!({"ok": true}));
        assert_eq!(answer.header("x-auth-request-user"), user["id"].as_str());
        assert_eq!(
            answer.header("x-auth-request-email"),
            Some("ida@example.com")
        );
        assert_eq!(answer.header("x-auth-request-name"), user["name"].as_str());
        assert_eq!(answer.header("cache-control"), Some("no-store"));
        assert_eq!(answer.header("location"), None);
        assert!(answer.cookies().is_empty());
    }
}

#[tokio::test]
async fn anything_else_is_refused_and_only_a_page_load_is_sent_to_sign_in() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "jo@example.com").await;
    let a = stack.sign_in(&passkey).await;
    let b = stack.sign_in(&passkey).await;
    let unknown = format!("__Host-session={}", "A".repeat(43));
    let page = [("x-forwarded-uri", PAGE)];

    for (cookies, case) in [
        (vec![], "no cookie"),
        (vec!["__Host-session=not-a-token"], "no token"),
        (vec![unknown.as_str()], "an unknown token"),
        (vec![a.as_str(), b.as_str()], "two session cookies"),
    ] {
        let answer = verify(&stack, "", &page, &cookies).await;
        assert_refused(&answer, 401, Some(SIGN_IN), case);
        let answer = verify(&stack, "?redirect=1", &page, &cookies).await;
        assert_refused(&answer, 302, Some(SIGN_IN), case);
        let answer = verify(&stack, "?redirect=0", &page, &cookies).await;
        assert_refused(&answer, 401, Some(SIGN_IN), case);
    }

    // A page load is a GET or HEAD navigation; the rest gets a plain 401, asked to
    // redirect or not: a redirect would answer an API call with a page.
    for (headers, is_page_load) in [
        (
            vec![
                ("x-forwarded-method", "GET"),
                ("sec-fetch-mode", "navigate"),
            ],
            true,
        ),
        (vec![("x-forwarded-method", "HEAD")], true),
        (
            vec![
                ("x-forwarded-method", "POST"),
                ("sec-fetch-mode", "navigate"),
            ],
            false,
        ),
        (vec![("x-forwarded-method", "DELETE")], false),
        (vec![("sec-fetch-mode", "cors")], false),
        (
            vec![("x-forwarded-method", "GET"), ("sec-fetch-mode", "no-cors")],
            false,
        ),
    ] {
        let mut headers = headers.clone();
        headers.push(("x-forwarded-uri", PAGE));
        let case = format!("{headers:?}");
        let answer = verify(&stack, "?redirect=1", &headers, &[]).await;
        match is_page_load {
            true => assert_refused(&answer, 302, Some(SIGN_IN), &case),
            false => assert_refused(&answer, 401, None, &case),
        }
    }

    // The way back is a path on this origin, as every callbackUrl: anything else is `/`.
    let home = "http://localhost:3000/api/auth/signin?callbackUrl=%2F";
    for uri in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "x",
    ] {
        let answer = verify(&stack, "", &[("x-forwarded-uri", uri)], &[]).await;
        assert_refused(&answer, 401, Some(home), uri);
    }
    let answer = verify(&stack, "", &[], &[]).await;
    assert_refused(&answer, 401, Some(home), "no X-Forwarded-Uri");

    // Bad questions are clear errors, never a guess.
    let answer = verify(&stack, "?redirect=yes", &[], &[&a]).await;
    assert_eq!(
        (answer.status(), answer.json()["error"].clone()),
        (400, json!("bad_request"))
    );
    let answer = verify(&stack, "?redirect=1&redirect=1", &[], &[&a]).await;
    assert_eq!(answer.status(), 400);
    let post = event(
        "POST",
        "/api/auth/verify",
        &[("origin", ORIGIN), ("content-type", "application/json")],
        &[&a],
        Some("{}"),
    );
    let answer = stack.session_at(post, passkey_auth::now()).await;
    assert_eq!(answer.status(), 405);
    assert_eq!(answer.header("allow"), Some("GET"));
}

#[tokio::test]
async fn a_session_ends_for_forward_auth_when_it_ends_for_the_session_check() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "kai@example.com").await;
    let now = passkey_auth::now();
    let idle = stack.config.app.sessions.idle_timeout.as_secs() as i64;
    let max_age = stack.config.app.sessions.max_age.as_secs() as i64;

    let cookie = stack.sign_in(&passkey).await;
    let at = |t| stack.session_at(event("GET", "/api/auth/verify", &[], &[&cookie], None), t);
    assert_eq!(at(now + idle - 10).await.status(), 200, "just before idle");
    assert_eq!(
        at(now + 2 * idle - 20).await.status(),
        200,
        "the use slid it"
    );
    assert_eq!(at(now + max_age).await.status(), 401, "absolute limit");

    let cookie = stack.sign_in(&passkey).await;
    let at = |t| stack.session_at(event("GET", "/api/auth/verify", &[], &[&cookie], None), t);
    assert_eq!(at(now + idle + 1).await.status(), 401, "idle limit");

    let cookie = stack.sign_in(&passkey).await;
    assert_eq!(verify(&stack, "", &[], &[&cookie]).await.status(), 200);
    assert_eq!(stack.sign_out(&[&cookie]).await.status(), 200);
    assert_eq!(
        verify(&stack, "", &[], &[&cookie]).await.status(),
        401,
        "signed out"
    );

    // The table cannot answer: 503, never a user.
    let cookie = stack.sign_in(&passkey).await;
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
    let answer = common::invoke(
        move |r| {
            let routes = routes.clone();
            async move { routes.handle(&r, passkey_auth::now()).await }
        },
        event("GET", "/api/auth/verify", &[], &[&cookie], None),
    )
    .await;
    assert_eq!(answer.status(), 503);
    assert_eq!(answer.json()["error"], "session_store_unavailable");
    for name in IDENTITY {
        assert_eq!(answer.header(name), None);
    }
}
