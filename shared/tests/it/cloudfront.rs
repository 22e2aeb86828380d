//! Behind CloudFront: every function refuses requests that did not come through it (no
//! or a wrong `X-Origin-Verify`, the secret CloudFront adds), and the client address for
//! rate limits is the viewer's (`CloudFront-Viewer-Address`), trusted only then.

use crate::common;

use common::{Answer, ORIGIN, Stack, event, invoke};
use serde_json::Value;

const SECRET: &str = "cloudfront-origin-secret-0123456789abcdef";

async fn behind_cloudfront() -> Stack {
    Stack::start_with(|vars| {
        vars.insert("ORIGIN_VERIFY_SECRET".into(), SECRET.into());
    })
    .await
}

fn with_headers(mut event: Value, headers: &[(&str, &str)]) -> Value {
    for (name, value) in headers {
        event["headers"][*name] = (*value).into();
    }
    event
}

/// Each route once, with extra headers: (route, answer).
async fn every_route(stack: &Stack, headers: &[(&str, &str)]) -> Vec<(&'static str, Answer)> {
    let post = [("origin", ORIGIN), ("content-type", "application/json")];
    let now = passkey_auth::now();
    let signin = stack.signin.clone();
    let callback = stack.callback.clone();
    let register = stack.register.clone();
    vec![
        (
            "signin",
            invoke(
                move |r| {
                    let route = signin.clone();
                    async move { route.handle(&r, now).await }
                },
                with_headers(event("GET", "/api/auth/signin", &[], &[], None), headers),
            )
            .await,
        ),
        (
            "callback",
            invoke(
                move |r| {
                    let route = callback.clone();
                    async move { route.handle(&r, now).await }
                },
                with_headers(
                    event(
                        "GET",
                        "/api/auth/callback/beyondidentity?code=c&state=s",
                        &[],
                        &[],
                        None,
                    ),
                    headers,
                ),
            )
            .await,
        ),
        (
            "session",
            stack
                .session_at(
                    with_headers(event("GET", "/api/auth/session", &[], &[], None), headers),
                    now,
                )
                .await,
        ),
        (
            "register",
            invoke(
                move |r| {
                    let route = register.clone();
                    async move { route.handle(&r, now).await }
                },
                with_headers(
                    event(
                        "POST",
                        "/api/auth/register",
                        &post,
                        &[],
                        Some(r#"{"email":"cf@example.com"}"#),
                    ),
                    headers,
                ),
            )
            .await,
        ),
        (
            "bind-job",
            stack
                .post_bind_job(with_headers(
                    event("POST", "/api/auth/bind-job", &post, &[], Some("{}")),
                    headers,
                ))
                .await,
        ),
    ]
}

#[tokio::test]
async fn requests_that_bypass_cloudfront_are_refused_by_every_function() {
    let stack = behind_cloudfront().await;
    for headers in [
        vec![],
        vec![("x-origin-verify", "wrong")],
        vec![("x-origin-verify", &SECRET[1..])],
    ] {
        for (route, answer) in every_route(&stack, &headers).await {
            assert_eq!(
                answer.status(),
                403,
                "{route} with {headers:?}: {:?}",
                answer.0
            );
            assert_eq!(answer.json()["error"], "direct_access", "{route}");
        }
    }
    // Through CloudFront, each route does its usual work.
    let through = every_route(&stack, &[("x-origin-verify", SECRET)]).await;
    let statuses: Vec<(&str, u16)> = through.iter().map(|(r, a)| (*r, a.status())).collect();
    assert_eq!(
        statuses,
        [
            ("signin", 302),
            ("callback", 303),
            ("session", 200),
            ("register", 202),
            ("bind-job", 401)
        ]
    );
    assert_eq!(
        stack.bi.outbox().len(),
        1,
        "only the request through CloudFront registered"
    );
}

#[tokio::test]
async fn behind_cloudfront_limits_key_on_the_viewer_address() {
    let stack = behind_cloudfront().await;
    let now = passkey_auth::now();
    let register = |viewer: &'static str, i: usize| {
        let route = stack.register.clone();
        let body = format!(r#"{{"email":"v{i}@example.com"}}"#);
        let e = event(
            "POST",
            "/api/auth/register",
            &[
                ("origin", ORIGIN),
                ("content-type", "application/json"),
                ("x-origin-verify", SECRET),
                ("cloudfront-viewer-address", viewer),
            ],
            &[],
            Some(&body),
        );
        // Every request reaches the API from the same CloudFront edge address.
        let mut e = e;
        e["requestContext"]["http"]["sourceIp"] = "130.176.0.1".into();
        invoke(
            move |r| {
                let route = route.clone();
                async move { route.handle(&r, now).await }
            },
            e,
        )
    };
    for i in 0..30 {
        assert_eq!(register("198.51.100.7:46532", i).await.status(), 202, "{i}");
    }
    assert_eq!(
        register("198.51.100.7:50000", 30).await.status(),
        429,
        "the same viewer, another port"
    );
    assert_eq!(
        register("[2001:db8::7]:443", 31).await.status(),
        202,
        "another viewer on the same edge"
    );
}

#[tokio::test]
async fn without_the_secret_the_viewer_header_is_not_trusted() {
    let stack = Stack::start().await;
    for i in 0..31 {
        let route = stack.register.clone();
        let body = format!(r#"{{"email":"w{i}@example.com"}}"#);
        let e = event(
            "POST",
            "/api/auth/register",
            &[
                ("origin", ORIGIN),
                ("content-type", "application/json"),
                ("cloudfront-viewer-address", &format!("198.51.100.{i}:1")),
            ],
            &[],
            Some(&body),
        );
        let answer = invoke(
            move |r| {
                let route = route.clone();
                async move { route.handle(&r, passkey_auth::now()).await }
            },
            e,
        )
        .await;
        let expected = if i < 30 { 202 } else { 429 };
        assert_eq!(
            answer.status(),
            expected,
            "{i}: a forged viewer header changes nothing"
        );
    }
}
