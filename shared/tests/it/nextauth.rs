//! next-auth's REST API as its clients call it: the requests are those `next-auth/react`
//! 4 and 5 send (their source: docs/migrate-from-nextauth.md), through real events,
//! bi-local and the local DynamoDB server. The browser tests run the clients themselves.

use crate::common;

use bi_local::sdk::enrolled_user;
use common::{Answer, ORIGIN, Stack, error_of, event, post, stale_auth_time};
use passkey_auth::now;
use serde_json::{Value, json};

const CSRF_COOKIE: &str = "__Host-auth-csrf";

/// How a client asks for JSON: next-auth 4 adds `json=true` to the form, 5 a header.
#[derive(Clone, Copy, Debug)]
enum Client {
    V4,
    V5,
    /// A plain HTML form: neither.
    Html,
}

/// A form posted from the app's own page, as `client` posts it.
fn form(path: &str, cookies: &[&str], fields: &[(&str, &str)], client: Client) -> Value {
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    body.extend_pairs(fields);
    let mut headers = vec![
        ("origin", ORIGIN),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    match client {
        Client::V4 => {
            body.append_pair("json", "true");
        }
        Client::V5 => headers.push(("x-auth-return-redirect", "1")),
        Client::Html => {}
    }
    event("POST", path, &headers, cookies, Some(&body.finish()))
}

/// `GET /api/auth/csrf`: the token, and the cookie (`name=value`) that holds it.
async fn csrf(stack: &Stack, cookies: &[&str]) -> (String, Option<String>) {
    let answer = stack
        .signin_event(event("GET", "/api/auth/csrf", &[], cookies, None), now())
        .await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let token = answer.json()["csrfToken"]
        .as_str()
        .expect("a token")
        .to_owned();
    let cookie = answer
        .cookie(CSRF_COOKIE)
        .map(|v| format!("{CSRF_COOKIE}={v}"));
    (token, cookie)
}

/// A browser's CSRF cookie and its token.
async fn fresh_csrf(stack: &Stack) -> (String, String) {
    let (token, cookie) = csrf(stack, &[]).await;
    (token, cookie.expect("a new browser gets a cookie"))
}

fn query_of(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .expect("an absolute url")
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param(url: &str, name: &str) -> Option<String> {
    query_of(url)
        .into_iter()
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// Signs in through a posted sign-in's `{"url"}` and flow cookie: the callback's answer.
async fn finish(stack: &Stack, passkey: &bi_local::sdk::Passkey, posted: &Answer) -> Answer {
    let flow = format!(
        "__Host-auth-flow={}",
        posted.cookie("__Host-auth-flow").expect("a flow cookie")
    );
    let redirect = passkey
        .sign_in(&stack.bi, posted.json()["url"].as_str().expect("a url"))
        .await;
    let url = url::Url::parse(&redirect).expect("url");
    let callback = format!("{}?{}", url.path(), url.query().unwrap_or_default());
    stack.get_callback(&callback, &[&flow]).await
}

fn session_cookie(answer: &Answer) -> String {
    format!(
        "__Host-session={}",
        answer.cookie("__Host-session").expect("a session cookie")
    )
}

#[tokio::test]
async fn the_providers_and_a_csrf_token_that_a_browser_keeps() {
    let stack = Stack::start().await;
    let answer = stack
        .signin_event(event("GET", "/api/auth/providers", &[], &[], None), now())
        .await;
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.json(),
        json!({"beyondidentity": {
            "id": "beyondidentity",
            "name": "Beyond Identity",
            "type": "oidc",
            "signinUrl": format!("{ORIGIN}/api/auth/signin/beyondidentity"),
            "callbackUrl": format!("{ORIGIN}/api/auth/callback/beyondidentity"),
        }})
    );

    let answer = stack
        .signin_event(event("GET", "/api/auth/csrf", &[], &[], None), now())
        .await;
    let set = answer
        .cookies()
        .into_iter()
        .find(|c| c.starts_with(CSRF_COOKIE))
        .expect("a CSRF cookie");
    assert!(
        set.ends_with("; Path=/; HttpOnly; Secure; SameSite=Lax"),
        "{set}"
    );
    let (token, cookie) = fresh_csrf(&stack).await;
    assert_eq!(cookie, format!("{CSRF_COOKIE}={token}"));
    // Asked again, the browser keeps its token (another tab's form stays valid).
    assert_eq!(csrf(&stack, &[&cookie]).await, (token.clone(), None));
    let (other, _) = fresh_csrf(&stack).await;
    assert_ne!(other, token, "another browser, another token");

    for path in ["/api/auth/csrf", "/api/auth/providers", "/api/auth/error"] {
        let answer = stack.signin_event(post(path, &[], "{}"), now()).await;
        assert_eq!(
            error_of(&answer),
            (405, json!("method_not_allowed")),
            "{path}"
        );
    }
    let answer = stack.get_signin("/api/auth/nothing", &[]).await;
    assert_eq!(error_of(&answer), (404, json!("not_found")));
}

/// next-auth 4's and 5's `signIn('beyondidentity')`, a session seen by both, `update()`,
/// and `signOut()`, after which the old cookie gets no session.
#[tokio::test]
async fn both_clients_sign_in_update_and_sign_out() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "ada@example.com").await;
    for client in [Client::V4, Client::V5] {
        let (token, csrf_cookie) = fresh_csrf(&stack).await;
        // The client sends `window.location.href`: an absolute URL on this origin.
        let posted = stack
            .signin_event(
                form(
                    "/api/auth/signin/beyondidentity",
                    &[&csrf_cookie],
                    &[
                        ("redirect", "true"),
                        ("csrfToken", &token),
                        ("callbackUrl", &format!("{ORIGIN}/protected?tab=2#top")),
                    ],
                    client,
                ),
                now(),
            )
            .await;
        assert_eq!(posted.status(), 200, "{client:?}: {:?}", posted.0);
        let authorize = posted.json()["url"].as_str().expect("a url").to_owned();
        assert!(
            authorize.starts_with(stack.bi.auth_url().trim_end_matches('/')),
            "{authorize}"
        );
        let signed_in = finish(&stack, &passkey, &posted).await;
        assert_eq!(signed_in.status(), 303, "{:?}", signed_in.0);
        assert_eq!(signed_in.location(), "/protected?tab=2", "{client:?}");
        let session = session_cookie(&signed_in);
        let seen = stack.get_session(&[&session]).await.json();
        assert_eq!(seen["user"]["email"], "ada@example.com");

        // update(data): the session as it is; nothing the browser sends is stored.
        let update =
            json!({"csrfToken": token, "data": {"name": "Mallory", "email": "m@evil.example"}});
        let updated = stack
            .session_at(
                post(
                    "/api/auth/session",
                    &[&session, &csrf_cookie],
                    &update.to_string(),
                ),
                now(),
            )
            .await;
        assert_eq!(updated.status(), 200, "{:?}", updated.0);
        assert_eq!(updated.json(), seen);
        assert_eq!(stack.get_session(&[&session]).await.json(), seen);

        let signed_out = stack
            .session_at(
                form(
                    "/api/auth/signout",
                    &[&session, &csrf_cookie],
                    &[
                        ("csrfToken", &token),
                        ("callbackUrl", &format!("{ORIGIN}/goodbye?from=app")),
                    ],
                    client,
                ),
                now(),
            )
            .await;
        assert_eq!(signed_out.status(), 200, "{:?}", signed_out.0);
        assert_eq!(
            signed_out.json(),
            json!({"url": format!("{ORIGIN}/goodbye?from=app")})
        );
        assert_eq!(signed_out.cookie("__Host-session").as_deref(), Some(""));
        assert_eq!(stack.get_session(&[&session]).await.json(), json!(false));
    }
    assert!(stack.items("session").await.is_empty());
}

/// A form posted by a plain page (no JSON asked for) is answered with redirects.
#[tokio::test]
async fn a_plain_form_is_answered_with_redirects() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "ada@example.com").await;
    let (token, csrf_cookie) = fresh_csrf(&stack).await;
    // Only `json=true` asks for JSON: not another value of `json`, nor `true` elsewhere.
    let fields = [
        ("csrfToken", token.as_str()),
        ("callbackUrl", "/after"),
        ("json", "false"),
        ("remember", "true"),
    ];
    let posted = stack
        .signin_event(
            form(
                "/api/auth/signin/beyondidentity",
                &[&csrf_cookie],
                &fields,
                Client::Html,
            ),
            now(),
        )
        .await;
    assert_eq!(posted.status(), 303, "{:?}", posted.0);
    let flow = format!(
        "__Host-auth-flow={}",
        posted.cookie("__Host-auth-flow").expect("a flow cookie")
    );
    let redirect = passkey.sign_in(&stack.bi, posted.location()).await;
    let url = url::Url::parse(&redirect).expect("url");
    let callback = format!("{}?{}", url.path(), url.query().unwrap_or_default());
    let signed_in = stack.get_callback(&callback, &[&flow]).await;
    assert_eq!(signed_in.location(), "/after");
    let session = session_cookie(&signed_in);

    let out = stack
        .session_at(
            form(
                "/api/auth/signout",
                &[&session, &csrf_cookie],
                &fields,
                Client::Html,
            ),
            now(),
        )
        .await;
    assert_eq!(
        (out.status(), out.location()),
        (303, "http://localhost:3000/after")
    );
    assert!(!stack.is_signed_in(&session).await);

    // Refused: to the error page, which says why.
    let refused = stack
        .signin_event(
            form(
                "/api/auth/signin/beyondidentity",
                &[&csrf_cookie],
                &[("csrfToken", "forged")],
                Client::Html,
            ),
            now(),
        )
        .await;
    assert_eq!(
        (refused.status(), refused.location()),
        (303, "/?error=csrf_token_mismatch")
    );
}

/// A form without this browser's token, or from another origin, or not a form, is refused
/// before anything happens: no flow begins, no session ends. The JSON answer names the
/// error page as `url`, where next-auth's client then goes.
#[tokio::test]
async fn a_form_without_this_browsers_token_or_origin_changes_nothing() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "ada@example.com").await;
    let session = stack.sign_in(&passkey).await;
    let (token, csrf_cookie) = fresh_csrf(&stack).await;
    let (other_token, _) = fresh_csrf(&stack).await;
    let long = "a".repeat(5000);
    let csrf = csrf_cookie.as_str();
    let (mine, other) = (token.as_str(), other_token.as_str());
    // What is wrong, the browser's CSRF cookie, the fields, the `Origin` sent (`None`:
    // none), and the refusal.
    #[rustfmt::skip]
    let cases = [
        ("no token", Some(csrf), vec![], Some(ORIGIN), 403, "csrf_token_mismatch"),
        ("another browser's token", Some(csrf), vec![("csrfToken", other)], Some(ORIGIN), 403, "csrf_token_mismatch"),
        ("no CSRF cookie", None, vec![("csrfToken", mine)], Some(ORIGIN), 403, "csrf_token_mismatch"),
        ("the token twice", Some(csrf), vec![("csrfToken", mine), ("csrfToken", mine)], Some(ORIGIN), 400, "bad_request"),
        ("a body too large", Some(csrf), vec![("csrfToken", mine), ("callbackUrl", &long)], Some(ORIGIN), 413, "body_too_large"),
        ("another origin", Some(csrf), vec![("csrfToken", mine)], Some("https://evil.example"), 403, "forbidden_origin"),
        ("no origin", Some(csrf), vec![("csrfToken", mine)], None, 403, "forbidden_origin"),
    ];
    for (path, ends_session) in [
        ("/api/auth/signin/beyondidentity", false),
        ("/api/auth/signout", true),
    ] {
        for (what, csrf, fields, origin, status, code) in &cases {
            let cookies: Vec<&str> = csrf
                .iter()
                .copied()
                .chain(ends_session.then_some(session.as_str()))
                .collect();
            let mut request = form(path, &cookies, fields, Client::V5);
            let headers = request["headers"].as_object_mut().expect("headers");
            match origin {
                Some(origin) => headers.insert("origin".into(), json!(origin)),
                None => headers.remove("origin"),
            };
            let answer = if ends_session {
                stack.session_at(request, now()).await
            } else {
                stack.signin_event(request, now()).await
            };
            assert_eq!(error_of(&answer), (*status, json!(code)), "{path}, {what}");
            assert_eq!(
                answer.json()["url"],
                json!(format!("{ORIGIN}/?error={code}")),
                "{path}, {what}"
            );
            assert_eq!(answer.cookie("__Host-auth-flow"), None, "{path}, {what}");
            assert_eq!(answer.cookie("__Host-session"), None, "{path}, {what}");
        }
    }
    assert!(
        stack.is_signed_in(&session).await,
        "no refused sign-out ended it"
    );

    // JSON to the sign-in form's route is not a form.
    let answer = stack
        .signin_event(
            post(
                "/api/auth/signin/beyondidentity",
                &[&csrf_cookie],
                &json!({"csrfToken": token}).to_string(),
            ),
            now(),
        )
        .await;
    assert_eq!(error_of(&answer), (415, json!("unsupported_media_type")));
    assert_eq!(answer.cookie("__Host-auth-flow"), None);
}

/// `update()` carries the token in JSON, with the usual JSON rules.
#[tokio::test]
async fn update_needs_this_browsers_token_and_answers_false_when_signed_out() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "ada@example.com").await;
    let session = stack.sign_in(&passkey).await;
    let (token, csrf_cookie) = fresh_csrf(&stack).await;
    let body = |token: &str| json!({"csrfToken": token, "data": {}}).to_string();
    let update = |cookies: Vec<&str>, body: String| post("/api/auth/session", &cookies, &body);
    for (what, request, status, code) in [
        (
            "no token",
            update(vec![&session, &csrf_cookie], "{\"data\":{}}".into()),
            403,
            "csrf_token_mismatch",
        ),
        (
            "a token that is no string",
            update(vec![&session, &csrf_cookie], "{\"csrfToken\":7}".into()),
            403,
            "csrf_token_mismatch",
        ),
        (
            "no CSRF cookie",
            update(vec![&session], body(&token)),
            403,
            "csrf_token_mismatch",
        ),
        (
            "no JSON object",
            update(vec![&session, &csrf_cookie], "[]".into()),
            400,
            "bad_request",
        ),
        (
            "a form",
            form(
                "/api/auth/session",
                &[&session, &csrf_cookie],
                &[("csrfToken", &token)],
                Client::V4,
            ),
            415,
            "unsupported_media_type",
        ),
        (
            "another origin",
            {
                let mut e = update(vec![&session, &csrf_cookie], body(&token));
                e["headers"]["origin"] = json!("https://evil.example");
                e
            },
            403,
            "forbidden_origin",
        ),
    ] {
        let answer = stack.session_at(request, now()).await;
        assert_eq!(error_of(&answer), (status, json!(code)), "{what}");
    }
    let answer = stack
        .session_at(update(vec![&csrf_cookie], body(&token)), now())
        .await;
    assert_eq!((answer.status(), answer.json()), (200, json!(false)));
    let answer = stack
        .session_at(event("PUT", "/api/auth/session", &[], &[], None), now())
        .await;
    assert_eq!(error_of(&answer), (405, json!("method_not_allowed")));
    assert_eq!(answer.header("allow"), Some("GET, POST"));
}

/// Only the allowlisted authorization parameters reach the provider, checked; every other
/// is dropped, whatever the client sends.
#[tokio::test]
async fn only_allowlisted_authorization_parameters_reach_the_provider() {
    let stack = Stack::start().await;
    let (token, csrf_cookie) = fresh_csrf(&stack).await;
    let query = "login_hint=ada%40example.com&prompt=login&ui_locales=fr-CA%20fr&max_age=600\
                 &scope=openid%20admin&redirect_uri=https%3A%2F%2Fevil.example%2Fcb\
                 &response_type=token&acr_values=weak&claims=%7B%7D&request_uri=https%3A%2F%2Fevil.example";
    let posted = stack
        .signin_event(
            form(
                &format!("/api/auth/signin/beyondidentity?{query}"),
                &[&csrf_cookie],
                &[("csrfToken", &token)],
                Client::V5,
            ),
            now(),
        )
        .await;
    let navigated = stack
        .get_signin(&format!("/api/auth/signin/beyondidentity?{query}"), &[])
        .await;
    assert_eq!(navigated.status(), 302, "{:?}", navigated.0);
    let plain = stack.get_signin("/api/auth/signin", &[]).await;
    for authorize in [
        posted.json()["url"].as_str().expect("url").to_owned(),
        navigated.location().to_owned(),
    ] {
        assert_eq!(
            param(&authorize, "login_hint").as_deref(),
            Some("ada@example.com")
        );
        assert_eq!(param(&authorize, "prompt").as_deref(), Some("login"));
        assert_eq!(param(&authorize, "ui_locales").as_deref(), Some("fr-CA fr"));
        assert_eq!(param(&authorize, "max_age").as_deref(), Some("600"));
        assert_eq!(
            param(&authorize, "scope").as_deref(),
            Some("openid email profile")
        );
        assert_eq!(
            param(&authorize, "redirect_uri"),
            Some(format!("{ORIGIN}/api/auth/callback/beyondidentity"))
        );
        assert_eq!(param(&authorize, "response_type").as_deref(), Some("code"));
        for dropped in ["acr_values", "claims", "request_uri"] {
            assert_eq!(param(&authorize, dropped), None, "{dropped}");
        }
        let names: Vec<String> = query_of(&authorize).into_iter().map(|(k, _)| k).collect();
        let unique: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "no parameter twice: {authorize}");
    }
    for name in ["login_hint", "prompt", "ui_locales", "max_age"] {
        assert_eq!(
            param(plain.location(), name),
            None,
            "a plain sign-in asks for no {name}"
        );
    }
    // A step-up keeps its max_age=0, whatever the client asks.
    let step_up = stack
        .get_signin("/api/auth/signin?intent=reauthenticate&max_age=600", &[])
        .await;
    assert_eq!(param(step_up.location(), "max_age").as_deref(), Some("0"));

    // A value a parameter does not take is refused, naming it; no flow begins.
    for bad in [
        "prompt=none%20login",
        "max_age=-1",
        "ui_locales=fr_CA",
        "login_hint=",
    ] {
        let answer = stack
            .signin_event(
                form(
                    &format!("/api/auth/signin/beyondidentity?{bad}"),
                    &[&csrf_cookie],
                    &[("csrfToken", &token)],
                    Client::V4,
                ),
                now(),
            )
            .await;
        assert_eq!(error_of(&answer), (400, json!("bad_request")), "{bad}");
        let name = bad.split('=').next().expect("a name");
        assert!(
            answer.json()["message"]
                .as_str()
                .expect("message")
                .contains(name),
            "{bad}"
        );
        assert_eq!(answer.cookie("__Host-auth-flow"), None, "{bad}");
        let navigated = stack
            .get_signin(&format!("/api/auth/signin?{bad}"), &[])
            .await;
        assert_eq!(error_of(&navigated), (400, json!("bad_request")), "{bad}");
    }
}

/// A client's `max_age` is enforced on the provider's `auth_time`, as for a step-up.
#[tokio::test]
async fn a_clients_max_age_refuses_an_older_provider_sign_in() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "ada@example.com").await;
    // bi-local's stale auth_time is an hour old.
    for (max_age, signed_in) in [("300", false), ("7200", true)] {
        let signin = format!("/api/auth/signin?callbackUrl=%2Fx&max_age={max_age}");
        let (callback, flow) = stack.start_sign_in_from(&passkey, &signin, now()).await;
        stack.bi.inject([stale_auth_time()]);
        let answer = stack.get_callback(&callback, &[&flow]).await;
        if signed_in {
            assert_eq!(answer.location(), "/x", "{max_age}");
        } else {
            assert_eq!(
                answer.location(),
                "/?error=stale_authentication",
                "{max_age}"
            );
            assert_eq!(answer.cookie("__Host-session"), None);
        }
    }
}

/// `useSession({ required: true })` and `signIn()` without a provider navigate to
/// `/signin?callbackUrl=<window.location.href>`: the user comes back to that page.
#[tokio::test]
async fn a_required_session_comes_back_to_the_page_it_left() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "ada@example.com").await;
    let href: String =
        url::form_urlencoded::byte_serialize(format!("{ORIGIN}/reports/7?view=full").as_bytes())
            .collect();
    for path in ["/api/auth/signin", "/api/auth/signin/beyondidentity"] {
        let signin = format!("{path}?error=SessionRequired&callbackUrl={href}");
        let (callback, flow) = stack.start_sign_in_from(&passkey, &signin, now()).await;
        let answer = stack.get_callback(&callback, &[&flow]).await;
        assert_eq!(answer.location(), "/reports/7?view=full", "{path}");
    }
    // Another origin's absolute URL still lands on the landing page.
    let signin = "/api/auth/signin?callbackUrl=https%3A%2F%2Fevil.example%2Freports";
    let (callback, flow) = stack.start_sign_in_from(&passkey, signin, now()).await;
    assert_eq!(
        stack.get_callback(&callback, &[&flow]).await.location(),
        "/"
    );
}

/// `GET /api/auth/error?error=<code>`: the site's error page, with that code.
#[tokio::test]
async fn the_error_route_sends_the_code_to_the_error_page() {
    let stack = Stack::start_with(|env| {
        env.insert("AUTH_ERROR_PAGE".into(), "/oops".into());
    })
    .await;
    for (query, location) in [
        ("error=AccessDenied", "/oops?error=AccessDenied"),
        ("error=rate_limited", "/oops?error=rate_limited"),
        ("error=%3Cscript%3E", "/oops?error=unknown"),
        ("error=a%26b%3Dc", "/oops?error=unknown"),
        ("", "/oops?error=unknown"),
    ] {
        let answer = stack
            .get_signin(&format!("/api/auth/error?{query}"), &[])
            .await;
        assert_eq!(
            (answer.status(), answer.location()),
            (303, location),
            "{query}"
        );
    }
    let long = format!("/api/auth/error?error={}", "a".repeat(65));
    assert_eq!(
        stack.get_signin(&long, &[]).await.location(),
        "/oops?error=unknown"
    );
}

/// The longest parameters allowed fit in the flow cookie with this issuer and client;
/// parameters that cannot fit (here with a client id far longer than any provider's) are
/// the client's to shorten: a 400, never a 500, and no flow.
#[tokio::test]
async fn parameters_too_long_for_the_flow_cookie_are_refused() {
    let longest = format!(
        "login_hint={}&prompt=login%20consent%20select_account&max_age=4294967295&ui_locales={}",
        "%22".repeat(254),
        vec!["a".repeat(35); 8].join("%20")
    );
    let stack = Stack::start().await;
    let answer = stack
        .get_signin(&format!("/api/auth/signin?{longest}"), &[])
        .await;
    assert_eq!(answer.status(), 302, "{:?}", answer.0);
    let stack = Stack::start_with(|env| {
        env.insert("BEYOND_IDENTITY_CLIENT_ID".into(), "c".repeat(1200));
    })
    .await;
    let answer = stack
        .get_signin(&format!("/api/auth/signin?{longest}"), &[])
        .await;
    assert_eq!(error_of(&answer), (400, json!("bad_request")));
    assert_eq!(answer.cookie("__Host-auth-flow"), None);
}
