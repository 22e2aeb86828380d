//! The independent check: panva's certified `oidc-provider` (tests/oidc-provider) as the
//! provider instead of bi-local. A user signs in through its login and consent pages; the
//! provider ends its session and posts a back-channel logout token to the app's receiver
//! (served here over real HTTP), after which the app's session is refused; and sign-out
//! with RP-initiated logout ends the provider's session too.

use crate::common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Stack, event, invoke};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use url::Url;

const CLIENT_ID: &str = "passkey-auth";
const CLIENT_SECRET: &str = "a-client-secret-for-the-test-provider";
const REDIRECT_URI: &str = "http://localhost:3000/api/auth/callback/beyondidentity";

/// `node tests/oidc-provider/server.mjs`, stopped when dropped.
struct OidcProvider {
    child: Child,
    issuer: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl OidcProvider {
    fn start(backchannel_uri: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("addr")
            .port();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/oidc-provider");
        let mut child = Command::new("node")
            .current_dir(dir)
            .args([
                "server.mjs",
                &port.to_string(),
                CLIENT_ID,
                CLIENT_SECRET,
                REDIRECT_URI,
                "http://localhost:3000/",
                backchannel_uri,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "node (the provider needs `npm ci` in tests/oidc-provider: scripts/bootstrap.sh)",
            );
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let issuer = loop {
            let line = lines
                .next()
                .expect("oidc-provider stopped before it was ready")
                .expect("a line");
            if let Some(issuer) = line.strip_prefix("ready ") {
                break issuer.to_owned();
            }
        };
        let log = Arc::new(Mutex::new(Vec::new()));
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                kept.lock().expect("log").push(line);
            }
        });
        Self { child, issuer, log }
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser at the provider: no automatic redirects, and its cookies kept by name.
struct Browser {
    http: reqwest::Client,
    jar: HashMap<String, String>,
}

impl Browser {
    fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            jar: HashMap::new(),
        }
    }

    fn cookies(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(SET_COOKIE) {
            let Some((name, rest)) = value.to_str().ok().and_then(|v| v.split_once('=')) else {
                continue;
            };
            let value = rest.split(';').next().unwrap_or_default();
            if value.is_empty()
                || rest
                    .to_ascii_lowercase()
                    .contains("expires=thu, 01 jan 1970")
            {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> (u16, String, String) {
        let response = request
            .header(COOKIE, self.cookies())
            .send()
            .await
            .expect("the provider answers");
        self.keep(&response);
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, location, response.text().await.unwrap_or_default())
    }

    /// Follows the provider's redirects and answers its login, consent and logout pages,
    /// until it sends the browser to a URL starting with `until`, or shows a page with no
    /// form; that URL.
    async fn walk(&mut self, start: &str, login: &str, until: &str) -> String {
        let mut url = Url::parse(start).expect("url");
        for _ in 0..20 {
            if url.as_str().starts_with(until) {
                return url.into();
            }
            let (status, location, body) = self.send(self.http.get(url.clone())).await;
            let (status, location) = if status == 200 {
                // A page with a form: submit it as a person would.
                // A page with nothing to submit is where the walk ends (a success page).
                let Some(action) = between(&body, "action=\"", "\"") else {
                    return url.into();
                };
                let target = url.join(&action.replace("&amp;", "&")).expect("action");
                let fields: Vec<(&str, String)> = if body.contains("name=\"login\"") {
                    vec![
                        ("prompt", "login".into()),
                        ("login", login.into()),
                        ("password", "any".into()),
                    ]
                } else if body.contains("name=\"xsrf\"") {
                    let xsrf = between(&body, "name=\"xsrf\" value=\"", "\"").expect("xsrf");
                    vec![("xsrf", xsrf), ("logout", "yes".into())]
                } else {
                    vec![("prompt", "consent".into())]
                };
                let (status, location, _) = self.send(self.http.post(target).form(&fields)).await;
                (status, location)
            } else {
                (status, location)
            };
            assert!(
                (300..400).contains(&status),
                "the provider answered {status}"
            );
            url = url.join(&location).expect("location");
        }
        panic!("the provider never sent the browser to {until}");
    }
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(text[from..to].to_owned())
}

/// A sign-in through the provider's pages: the app's session cookie.
async fn sign_in(stack: &Stack, browser: &mut Browser, login: &str) -> String {
    let answer = stack
        .get_signin("/api/auth/signin?callbackUrl=%2F", &[])
        .await;
    assert_eq!(answer.status(), 302);
    let flow = format!(
        "__Host-auth-flow={}",
        answer.cookie("__Host-auth-flow").expect("flow")
    );
    let back = browser.walk(answer.location(), login, REDIRECT_URI).await;
    let back = Url::parse(&back).expect("url");
    assert!(
        back.query_pairs().any(|(k, _)| k == "iss"),
        "oidc-provider sends RFC 9207's iss"
    );
    let answer = stack
        .get_callback(
            &format!("{}?{}", back.path(), back.query().unwrap_or_default()),
            &[&flow],
        )
        .await;
    assert_eq!(answer.status(), 303, "{:?}", answer.0);
    assert_eq!(answer.location(), "/");
    format!(
        "__Host-session={}",
        answer.cookie("__Host-session").expect("a session")
    )
}

async fn signed_in_as(stack: &Stack, cookie: &str) -> Option<String> {
    stack.get_session(&[cookie]).await.json()["user"]["id"]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test]
async fn oidc_provider_signs_in_and_its_logouts_end_the_session_here() {
    // The app's back-channel receiver over real HTTP: the route behind a small server.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let receiver = format!(
        "http://127.0.0.1:{}/api/auth/backchannel-logout",
        listener.local_addr().expect("addr").port()
    );
    let provider = OidcProvider::start(&receiver);
    let stack = Stack::start_with(|vars| {
        vars.insert("BEYOND_IDENTITY_ISSUER".into(), provider.issuer.clone());
        vars.insert("BEYOND_IDENTITY_CLIENT_ID".into(), CLIENT_ID.into());
        vars.insert("BEYOND_IDENTITY_CLIENT_SECRET".into(), CLIENT_SECRET.into());
    })
    .await;
    let route = stack.backchannel.clone();
    let app = axum::Router::new().route(
        "/api/auth/backchannel-logout",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let route = route.clone();
            async move {
                let content_type = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let answer = invoke(
                    move |r| {
                        let route = route.clone();
                        async move { route.handle(&r, passkey_auth::now()).await }
                    },
                    event(
                        "POST",
                        "/api/auth/backchannel-logout",
                        &[("content-type", &content_type)],
                        &[],
                        Some(&body),
                    ),
                )
                .await;
                axum::http::StatusCode::from_u16(answer.status()).expect("status")
            }
        }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    // Sign-in through the provider's own pages; the ID token's sid is recorded.
    let mut browser = Browser::new();
    let cookie = sign_in(&stack, &mut browser, "alice").await;
    assert_eq!(
        signed_in_as(&stack, &cookie).await.as_deref(),
        Some("alice")
    );
    let sids: Vec<String> = stack
        .items("session")
        .await
        .iter()
        .filter_map(|i| i.get("provider_sid")?.as_s().ok().cloned())
        .collect();
    assert_eq!(sids.len(), 1, "oidc-provider's ID token names its session");

    // The user signs out at the provider (not through the app): it posts a logout token
    // to the app's receiver, and the app's session is refused on its next request.
    let ended = browser
        .walk(
            &format!("{}/session/end", provider.issuer),
            "alice",
            "http://localhost:3000/",
        )
        .await;
    assert!(ended.is_empty() || ended.starts_with("http"), "{ended}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while signed_in_as(&stack, &cookie).await.is_some() {
        assert!(
            Instant::now() < deadline,
            "no back-channel logout arrived: {:?}",
            provider.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        provider
            .log()
            .iter()
            .any(|l| l.starts_with("backchannel delivered to passkey-auth")),
        "{:?}",
        provider.log()
    );

    // RP-initiated logout: sign in again, sign out through the app; the answer sends the
    // browser to the provider, which ends its session and comes back home.
    let cookie = sign_in(&stack, &mut browser, "alice").await;
    let answer = stack.sign_out(&[&cookie]).await;
    let redirect = answer.json()["redirect"]
        .as_str()
        .expect("oidc-provider advertises end_session_endpoint")
        .to_owned();
    assert!(redirect.starts_with(&format!("{}/session/end?", provider.issuer)));
    let home = browser
        .walk(&redirect, "alice", "http://localhost:3000/")
        .await;
    assert!(home.starts_with("http://localhost:3000/"), "{home}");
    assert_eq!(signed_in_as(&stack, &cookie).await, None);
    // The provider's session is over: a new sign-in asks for the login again.
    let answer = stack
        .get_signin("/api/auth/signin?callbackUrl=%2F", &[])
        .await;
    let (status, location, _) = browser.send(browser.http.get(answer.location())).await;
    assert_eq!(status, 303);
    let (_, _, page) = browser
        .send(
            browser.http.get(
                Url::parse(answer.location())
                    .expect("url")
                    .join(&location)
                    .expect("url"),
            ),
        )
        .await;
    assert!(
        page.contains("name=\"login\""),
        "the provider asks who you are again"
    );

    server.abort();
}
