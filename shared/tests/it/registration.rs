//! `register` and `bind-job` against bi-local's management API and the local DynamoDB
//! server: one answer for everyone, renewed tokens, retries within a bound, rate limits,
//! and the request rules.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bi_local::sdk::{Passkey, enrolled_user, http, realm_url};
use bi_local::{Authenticator, Fault, Options, Target};
use common::{Answer, ORIGIN, Stack, TEST_POLICY, event};
use passkey_auth::management::BiManagementClient;
use passkey_auth::routes::register::{ACCEPTED_MESSAGE, Register};
use passkey_auth::store::dynamo::DynamoSessionStore;
use serde_json::{Value, json};

fn api_fault(
    status: Option<u16>,
    retry_after: Option<u64>,
    delay_ms: Option<u64>,
    times: Option<u32>,
) -> Fault {
    Fault {
        target: Target::Api,
        status,
        retry_after,
        delay_ms,
        flaw: None,
        times,
    }
}

async fn identities(stack: &Stack) -> Value {
    let s = stack.bi.settings();
    http()
        .get(format!("{}/identities", realm_url(&s)))
        .bearer_auth(&s.api_token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn new_and_known_addresses_get_byte_identical_answers_and_one_email_each() {
    let stack = Stack::start().await;
    let now = passkey_auth::now();
    let first = stack
        .post_register(r#"{"email":"  Nora@Example.com "}"#, now)
        .await;
    assert_eq!(first.status(), 202, "{:?}", first.0);
    assert_eq!(
        first.json(),
        json!({"ok": true, "message": ACCEPTED_MESSAGE})
    );
    let again = stack
        .post_register(r#"{"email":"nora@example.com"}"#, now)
        .await;
    assert_eq!(
        first.0, again.0,
        "the whole Lambda response, headers included, must not differ"
    );

    let outbox = stack.bi.outbox();
    assert_eq!(outbox.len(), 2);
    assert!(outbox.iter().all(|e| e.to == "nora@example.com"));
    let listed = identities(&stack).await;
    assert_eq!(
        listed["total_size"], 1,
        "the known address found its identity"
    );
    assert_eq!(
        listed["identities"][0]["traits"]["username"],
        "nora@example.com"
    );

    // The emailed link leads to the app's /bind page.
    let response = http().get(&outbox[1].link).send().await.expect("follow");
    assert_eq!(response.status(), 302);
    assert!(
        response.headers()["location"]
            .to_str()
            .expect("location")
            .starts_with(&format!("{ORIGIN}/bind?"))
    );
}

/// Beyond Identity answers a new address (201) and a known one (409) in its own time, so
/// a registration that reached it answers no sooner than the floor, whichever way it
/// answered, and a failure there too; one refused before it is not held back.
#[tokio::test]
async fn a_registration_that_reached_beyond_identity_answers_at_the_floor() {
    let stack = Stack::start().await;
    let floor = Duration::from_millis(400);
    let api = BiManagementClient::new(stack.management.management.clone(), TEST_POLICY)
        .expect("api client");
    let store = DynamoSessionStore::new(stack.db.clone(), stack.table.clone());
    let register =
        Arc::new(Register::new(stack.management.clone(), api, store).with_answer_floor(floor));
    let timed = |body: &'static str| {
        let register = register.clone();
        async move {
            let e = event(
                "POST",
                "/api/auth/register",
                &[("origin", ORIGIN), ("content-type", "application/json")],
                &[],
                Some(body),
            );
            let started = Instant::now();
            let answer = common::invoke(
                move |r| {
                    let register = register.clone();
                    async move { register.handle(&r, passkey_auth::now()).await }
                },
                e,
            )
            .await;
            (answer.status(), started.elapsed())
        }
    };
    for (body, status) in [
        (r#"{"email":"quinn@example.com"}"#, 202),
        (r#"{"email":"quinn@example.com"}"#, 202),
    ] {
        let (answered, took) = timed(body).await;
        assert_eq!(answered, status);
        assert!(took >= floor, "{body} answered after {took:?}");
    }
    stack.bi.inject([api_fault(Some(400), None, None, Some(1))]);
    let (answered, took) = timed(r#"{"email":"ruth@example.com"}"#).await;
    assert_eq!(answered, 502);
    assert!(took >= floor, "a failure answered after {took:?}");
    let (answered, took) = timed(r#"{"email":"not an address"}"#).await;
    assert_eq!(answered, 400);
    assert!(
        took < floor,
        "refused before Beyond Identity, after {took:?}"
    );
}

/// `POST /api/auth/bind-job` from the site, with these cookies.
async fn bind_job(stack: &Stack, cookies: &[&str]) -> Answer {
    let headers = [("origin", ORIGIN), ("content-type", "application/json")];
    stack
        .post_bind_job(event(
            "POST",
            "/api/auth/bind-job",
            &headers,
            cookies,
            Some("{}"),
        ))
        .await
}

/// `POST /api/auth/bind-job` for a signed-in session: its binding link.
async fn binding_link(stack: &Stack, session: &str) -> String {
    let answer = bind_job(stack, &[session]).await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    answer.json()["credential_binding_link"]
        .as_str()
        .expect("a link")
        .to_owned()
}

/// Hosted Web: Beyond Identity's own page binds the passkey and then follows the job's
/// post-binding redirect, which is home with `?enrolled`: home asks the user to confirm
/// before the new passkey signs in (a link someone else sent must not sign this browser
/// in as them). A passkey added while signed in (RETURN) comes back to home.
#[tokio::test]
async fn in_hosted_mode_the_enrolment_link_ends_signed_in_and_an_added_passkey_at_home() {
    let options = Options {
        authenticator: Some(Authenticator::Hosted),
        ..Options::default()
    };
    let stack = Stack::start_with_bi_options(options, |_| {}).await;
    let now = passkey_auth::now();
    let answer = stack
        .post_register(r#"{"email":"hana@example.com"}"#, now)
        .await;
    assert_eq!(answer.status(), 202, "{:?}", answer.0);
    let link = stack.bi.outbox()[0].link.clone();
    let response = http().get(&link).send().await.expect("follow");
    assert_eq!(response.status(), 302);
    let landing = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(
        landing.starts_with(&format!("{}/authenticator/v1/", stack.bi.auth_url())),
        "Beyond Identity's hosted page, not the app's /bind: {landing}"
    );
    let mut passkey = Passkey::new();
    let (status, bound) = passkey.bind(&stack.bi, &landing).await;
    assert_eq!(status, 200, "{bound}");
    assert_eq!(
        bound["postBindingRedirectUri"],
        format!("{ORIGIN}/?enrolled")
    );
    let session = stack.sign_in(&passkey).await;
    assert_eq!(
        stack.get_session(&[&session]).await.json()["user"]["email"],
        "hana@example.com"
    );

    let link = binding_link(&stack, &session).await;
    let landing = http().get(&link).send().await.expect("follow");
    let landing = landing.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let (status, bound) = Passkey::new().bind(&stack.bi, &landing).await;
    assert_eq!(status, 200, "{bound}");
    assert_eq!(bound["postBindingRedirectUri"], format!("{ORIGIN}/"));
}

#[tokio::test]
async fn a_token_that_expires_mid_run_is_renewed() {
    let stack = Stack::start().await;
    let now = passkey_auth::now();
    assert_eq!(
        stack
            .post_register(r#"{"email":"olga@example.com"}"#, now)
            .await
            .status(),
        202
    );
    let expired: Value = http()
        .post(format!("{}/_emulator/tokens/expire", stack.bi.auth_url()))
        .send()
        .await
        .expect("expire")
        .json()
        .await
        .expect("json");
    assert_eq!(
        expired["expired"], 1,
        "the cached token is the one that expires"
    );
    assert_eq!(
        stack
            .post_register(r#"{"email":"pia@example.com"}"#, now)
            .await
            .status(),
        202
    );
    assert_eq!(stack.bi.outbox().len(), 2);
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried_then_reported() {
    let stack = Stack::start().await;
    let now = passkey_auth::now();
    // A 429 with Retry-After, then two 503s: retried, and the registration goes through.
    stack.bi.inject([
        api_fault(Some(429), Some(1), None, Some(1)),
        api_fault(Some(503), None, None, Some(2)),
    ]);
    let started = Instant::now();
    assert_eq!(
        stack
            .post_register(r#"{"email":"quin@example.com"}"#, now)
            .await
            .status(),
        202
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );

    // 503 that does not stop: reported as a clean JSON error, within the budget.
    stack.bi.inject([api_fault(Some(503), None, None, None)]);
    let started = Instant::now();
    let answer = stack
        .post_register(r#"{"email":"rui@example.com"}"#, now)
        .await;
    assert_eq!(
        (answer.status(), answer.json()["error"].clone()),
        (502, json!("upstream_unavailable"))
    );
    assert!(started.elapsed() < TEST_POLICY.budget + Duration::from_millis(500));
    http()
        .delete(format!("{}/_emulator/faults", stack.bi.auth_url()))
        .send()
        .await
        .expect("clear");

    // 429 that does not stop: 503 with Retry-After for the browser, the API's own (3 s
    // is more than the budget has left, so it is passed on at once).
    stack.bi.inject([api_fault(Some(429), Some(3), None, None)]);
    let answer = stack
        .post_register(r#"{"email":"sam@example.com"}"#, now)
        .await;
    assert_eq!(
        (answer.status(), answer.json()["error"].clone()),
        (503, json!("upstream_busy"))
    );
    assert_eq!(answer.header("retry-after"), Some("3"));
    http()
        .delete(format!("{}/_emulator/faults", stack.bi.auth_url()))
        .send()
        .await
        .expect("clear");
    assert_eq!(
        stack
            .post_register(r#"{"email":"sam@example.com"}"#, now)
            .await
            .status(),
        202
    );
}

/// A token the API keeps refusing is renewed once, then reported (not renewed until the
/// budget runs out, which would be a 504); an API that cannot be reached is retried, then
/// reported as unavailable, not as a timeout.
#[tokio::test]
async fn a_refusing_or_unreachable_api_is_a_bad_gateway() {
    let stack = Stack::start().await;
    stack.bi.inject([api_fault(Some(401), None, None, None)]);
    let answer = stack
        .post_register(r#"{"email":"uma@example.com"}"#, passkey_auth::now())
        .await;
    assert_eq!(
        (answer.status(), answer.json()["error"].clone()),
        (502, json!("upstream_unavailable"))
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port");
    let stack = Stack::start_with(|vars| {
        vars.insert(
            "BEYOND_IDENTITY_API_BASE_URL".into(),
            format!("http://{closed}"),
        );
    })
    .await;
    let answer = stack
        .post_register(r#"{"email":"uma@example.com"}"#, passkey_auth::now())
        .await;
    assert_eq!(
        (answer.status(), answer.json()["error"].clone()),
        (502, json!("upstream_unavailable"))
    );
}

#[tokio::test]
async fn a_slow_api_ends_in_a_504_within_the_bound() {
    let stack = Stack::start().await;
    stack.bi.inject([api_fault(None, None, Some(10_000), None)]);
    let started = Instant::now();
    let answer = stack
        .post_register(r#"{"email":"tia@example.com"}"#, passkey_auth::now())
        .await;
    let elapsed = started.elapsed();
    assert_eq!(
        (answer.status(), answer.json()["error"].clone()),
        (504, json!("upstream_timeout"))
    );
    assert!(
        elapsed < TEST_POLICY.budget + Duration::from_millis(500),
        "took {elapsed:?}"
    );
}

#[tokio::test]
async fn rate_limits_trip_and_reset() {
    let stack = Stack::start().await;
    let now = 1_800_000_000 + 10;

    // Per address: five an hour.
    for _ in 0..5 {
        assert_eq!(
            stack
                .post_register(r#"{"email":"uma@example.com"}"#, now)
                .await
                .status(),
            202
        );
    }
    let answer = stack
        .post_register(r#"{"email":"UMA@example.com"}"#, now + 5)
        .await;
    assert_eq!(
        (answer.status(), answer.json()["error"].clone()),
        (429, json!("rate_limited"))
    );
    assert_eq!(answer.header("retry-after"), Some("3585"));
    assert_eq!(
        stack.bi.outbox().len(),
        5,
        "a refused registration sends nothing"
    );
    assert_eq!(
        stack
            .post_register(r#"{"email":"uma@example.com"}"#, now + 3600)
            .await
            .status(),
        202,
        "a new hour"
    );

    // Per client address, whatever the email.
    for i in 0..30 {
        let answer = stack
            .post_register_from(
                &format!(r#"{{"email":"v{i}@example.com"}}"#),
                "198.51.100.9",
                now,
            )
            .await;
        assert_eq!(answer.status(), 202);
    }
    let answer = stack
        .post_register_from(r#"{"email":"w@example.com"}"#, "198.51.100.9", now)
        .await;
    assert_eq!(answer.status(), 429);
    let answer = stack
        .post_register_from(r#"{"email":"w@example.com"}"#, "198.51.100.10", now)
        .await;
    assert_eq!(answer.status(), 202, "another client is not affected");
    // Tags and Gmail's dots reach one mailbox: they share its limit.
    for i in 0..5 {
        let answer = stack
            .post_register(&format!(r#"{{"email":"vic.tim+{i}@gmail.com"}}"#), now)
            .await;
        assert_eq!(answer.status(), 202, "{i}");
    }
    let answer = stack
        .post_register(r#"{"email":"victim+6@googlemail.com"}"#, now)
        .await;
    assert_eq!(answer.status(), 429, "a sixth variant of the same mailbox");

    // Junk is refused before it is counted: it cannot lock out a shared address.
    for _ in 0..40 {
        let answer = stack
            .post_register_from(r#"{"email":"not an address"}"#, "198.51.100.20", now)
            .await;
        assert_eq!(answer.status(), 400);
        let answer = stack.post_register_from("junk", "198.51.100.20", now).await;
        assert_eq!(answer.status(), 400);
    }
    let answer = stack
        .post_register_from(r#"{"email":"real@example.com"}"#, "198.51.100.20", now)
        .await;
    assert_eq!(
        answer.status(),
        202,
        "junk did not use up the client's limit"
    );

    // The counters hold hashes, not addresses.
    let counters = format!("{:?}", stack.items("counter").await);
    assert!(!counters.contains("uma@example.com") && !counters.contains("198.51.100.9"));
}

#[tokio::test]
async fn bad_registrations_are_refused_with_clear_errors() {
    let stack = Stack::start().await;
    let now = passkey_auth::now();
    for (body, status, error) in [
        ("{not json", 400, "bad_request"),
        ("[]", 400, "bad_request"),
        ("{}", 400, "bad_request"),
        (r#"{"email": 42}"#, 400, "bad_request"),
        (r#"{"email": "not-an-address"}"#, 400, "invalid_email"),
        (
            r#"{"email": "a@evil.com,b@example.com"}"#,
            400,
            "invalid_email",
        ),
        (r#"{"email": "a=b@example.com"}"#, 400, "invalid_email"),
    ] {
        let answer = stack.post_register(body, now).await;
        assert_eq!(
            (answer.status(), answer.json()["error"].as_str()),
            (status, Some(error)),
            "{body}"
        );
        assert!(
            answer.json()["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let answer = stack
        .post_register(
            &format!(r#"{{"email":"{}@example.com"}}"#, "a".repeat(5000)),
            now,
        )
        .await;
    assert_eq!(answer.status(), 413);

    let post = |headers: Vec<(&'static str, &'static str)>| {
        let e = event(
            "POST",
            "/api/auth/register",
            &headers,
            &[],
            Some(r#"{"email":"x@example.com"}"#),
        );
        let route = stack.register.clone();
        common::invoke(
            move |r| {
                let route = route.clone();
                async move { route.handle(&r, passkey_auth::now()).await }
            },
            e,
        )
    };
    assert_eq!(
        post(vec![("origin", ORIGIN), ("content-type", "text/plain")])
            .await
            .status(),
        415
    );
    assert_eq!(
        post(vec![
            ("origin", "https://evil.example"),
            ("content-type", "application/json")
        ])
        .await
        .status(),
        403
    );
    assert_eq!(
        post(vec![("content-type", "application/json")])
            .await
            .status(),
        403
    );
    assert!(
        stack.bi.outbox().is_empty(),
        "nothing refused sent an email"
    );
}

#[tokio::test]
async fn bind_job_needs_a_session_and_returns_a_link_bi_local_accepts() {
    let stack = Stack::start().await;
    let answer = bind_job(&stack, &[]).await;
    assert_eq!(
        (answer.status(), answer.json()["error"].clone()),
        (401, json!("unauthenticated"))
    );
    let answer = bind_job(&stack, &["__Host-session=bogus"]).await;
    assert_eq!(answer.status(), 401);

    let (identity, passkey) = enrolled_user(&stack.bi, "xena@example.com").await;
    let session = stack.sign_in(&passkey).await;
    let link = binding_link(&stack, &session).await;
    assert!(link.contains(identity["id"].as_str().expect("id")));
    let mut second = Passkey::new();
    let (status, bound) = second.bind(&stack.bi, &link).await;
    assert_eq!(status, 200, "{bound}");
    assert_eq!(bound["passkey"]["identity"]["id"], identity["id"]);
    // The new passkey signs the same user in.
    stack.sign_in(&second).await;

    let answer = stack
        .post_bind_job(event(
            "POST",
            "/api/auth/bind-job",
            &[
                ("origin", "https://evil.example"),
                ("content-type", "application/json"),
            ],
            &[&session],
            Some("{}"),
        ))
        .await;
    assert_eq!(
        answer.status(),
        403,
        "a foreign Origin cannot mint links for a signed-in user"
    );
}

/// `POST /api/auth/binding-owner {"link"}` from this origin.
async fn binding_owner(stack: &Stack, body: &str, headers: &[(&str, &str)]) -> Answer {
    let mut all = vec![("origin", ORIGIN), ("content-type", "application/json")];
    all.extend_from_slice(headers);
    let e = event("POST", "/api/auth/binding-owner", &all, &[], Some(body));
    let route = stack.register.clone();
    common::invoke(
        move |r| {
            let route = route.clone();
            async move { route.handle(&r, passkey_auth::now()).await }
        },
        e,
    )
    .await
}

/// The `/bind` link an enrolment email of `address` lands on.
async fn bind_link(stack: &Stack, address: &str) -> String {
    let now = passkey_auth::now();
    let body = json!({ "email": address }).to_string();
    assert_eq!(stack.post_register(&body, now).await.status(), 202);
    let email = stack
        .bi
        .outbox()
        .into_iter()
        .rev()
        .find(|e| e.to == address)
        .expect("an email");
    let response = http().get(&email.link).send().await.expect("follow");
    response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

/// Login CSRF through an enrolment link: `/bind` shows whose passkey a link makes before
/// it binds. Only a link of this site and realm whose job is its identity's answers; a
/// job id of another identity's link, a link of another realm or site, or junk does not.
#[tokio::test]
async fn an_enrolment_link_tells_whose_passkey_it_makes_and_nothing_else_does() {
    let stack = Stack::start().await;
    let alices = bind_link(&stack, "alice@example.com").await;
    assert!(alices.starts_with(&format!("{ORIGIN}/bind?")), "{alices}");
    let answer = binding_owner(&stack, &json!({ "link": alices }).to_string(), &[]).await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    assert_eq!(
        answer.json(),
        json!({"email": "alice@example.com", "name": null})
    );

    // An address registered before answers the same way (the job is the new one).
    let again = bind_link(&stack, "alice@example.com").await;
    let answer = binding_owner(&stack, &json!({ "link": again }).to_string(), &[]).await;
    assert_eq!(answer.json()["email"], "alice@example.com");

    let bobs = bind_link(&stack, "bob@example.com").await;
    let param = |link: &str, name: &str| -> String {
        url::Url::parse(link)
            .expect("url")
            .query_pairs()
            .find(|(k, _)| k == name)
            .expect("a parameter")
            .1
            .into_owned()
    };
    let mixed = alices.replace(&param(&alices, "job_id"), &param(&bobs, "job_id"));
    let other_realm = alices.replace(&param(&alices, "realm_id"), "0000000000000000");
    for link in [
        mixed,
        other_realm,
        alices.replace("job_id=", "job_id=..%2F"),
    ] {
        let answer = binding_owner(&stack, &json!({ "link": link }).to_string(), &[]).await;
        assert_eq!(answer.status(), 404, "{link}: {:?}", answer.0);
        assert_eq!(answer.json()["error"], "not_found");
    }
    let other_site = alices.replace(ORIGIN, "https://evil.example");
    // A link of this site, but longer than any /bind link: refused unread.
    let padded = format!("{alices}&pad={}", "a".repeat(2048));
    let no_token = alices.split("&token=").next().expect("a link").to_owned();
    for body in [
        json!({ "link": other_site }).to_string(),
        json!({ "link": padded }).to_string(),
        json!({ "link": no_token }).to_string(),
        json!({ "link": 7 }).to_string(),
        json!({ "link": "x".repeat(3000) }).to_string(),
        "{}".to_owned(),
        "[]".to_owned(),
    ] {
        let answer = binding_owner(&stack, &body, &[]).await;
        assert_eq!(answer.status(), 400, "{body}: {:?}", answer.0);
    }
    let answer = binding_owner(
        &stack,
        &json!({ "link": alices }).to_string(),
        &[("origin", "https://evil.example")],
    )
    .await;
    assert_eq!(answer.status(), 403);
    // Neither call gave anyone a session or a passkey.
    assert!(stack.items("session").await.is_empty());
}
