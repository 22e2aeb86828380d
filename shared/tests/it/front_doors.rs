//! Every front door a team may put the functions behind: HTTP API (payload 2.0), Function
//! URL, ALB (with and without multi-value headers) and REST API (payload 1.0). The same
//! sign-in, session check and sign-out run through each, with real event JSON through
//! `lambda_http`'s adapter, and each `Set-Cookie` must arrive intact and separate, and
//! each `Cookie` header be read right, whatever the door's format
//! (`lambda_http` has had cookie bugs per event source: duplicated cookies on Function
//! URLs, joined Cookie headers, reordered ALB headers).

use crate::common;

use std::future::Future;
use std::sync::Arc;

use bi_local::sdk::enrolled_user;
use common::{Answer, ORIGIN, Stack, invoke};
use lambda_http::{Body, Request, Response};
use serde_json::{Map, Value, json};

#[derive(Clone, Copy, Debug)]
enum Door {
    HttpApi,
    FunctionUrl,
    Alb,
    AlbMultiValue,
    RestApi,
}

const DOORS: [Door; 5] = [
    Door::HttpApi,
    Door::FunctionUrl,
    Door::Alb,
    Door::AlbMultiValue,
    Door::RestApi,
];

/// An unrelated cookie sent beside ours: it must not disturb the reading of ours.
const OTHER_COOKIE: &str = "theme=dark";

impl Door {
    /// The event this door sends for a request with these headers and cookies.
    fn event(
        self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        cookies: &[&str],
        body: Option<&str>,
    ) -> Value {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let mut single = Map::new();
        single.insert("host".into(), "app.example.com".into());
        single.insert("user-agent".into(), "front-door-test".into());
        for (k, v) in headers {
            single.insert(k.to_ascii_lowercase(), Value::from(*v));
        }
        let cookie_header = cookies.join("; ");
        let query_single: Map<String, Value> = pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect();
        let query_multi: Map<String, Value> =
            pairs.iter().map(|(k, v)| (k.clone(), json!([v]))).collect();
        match self {
            Door::HttpApi | Door::FunctionUrl => {
                let mut event = common::event(method, path_and_query, headers, cookies, body);
                if let Door::FunctionUrl = self {
                    event["requestContext"]["domainName"] =
                        "abc123.lambda-url.us-east-1.on.aws".into();
                    event["requestContext"]["domainPrefix"] = "abc123".into();
                    event["requestContext"]["apiId"] = "abc123".into();
                }
                event
            }
            Door::Alb | Door::AlbMultiValue => {
                if !cookies.is_empty() {
                    single.insert("cookie".into(), cookie_header.clone().into());
                }
                single.insert("x-forwarded-for".into(), "198.51.100.1, 203.0.113.7".into());
                let mut event = json!({
                    "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/auth/0123456789abcdef"}},
                    "httpMethod": method,
                    "path": path,
                    "body": body.unwrap_or(""),
                    "isBase64Encoded": false,
                });
                if let Door::AlbMultiValue = self {
                    let multi: Map<String, Value> = single
                        .iter()
                        .map(|(k, v)| (k.clone(), json!([v])))
                        .collect();
                    event["multiValueHeaders"] = Value::Object(multi);
                    event["multiValueQueryStringParameters"] = Value::Object(query_multi);
                } else {
                    event["headers"] = Value::Object(single);
                    event["queryStringParameters"] = Value::Object(query_single);
                }
                event
            }
            Door::RestApi => {
                if !cookies.is_empty() {
                    single.insert("cookie".into(), cookie_header.clone().into());
                }
                let multi: Map<String, Value> = single
                    .iter()
                    .map(|(k, v)| (k.clone(), json!([v])))
                    .collect();
                json!({
                    "resource": "/{proxy+}",
                    "path": path,
                    "httpMethod": method,
                    "headers": single,
                    "multiValueHeaders": multi,
                    "queryStringParameters": if pairs.is_empty() { Value::Null } else { Value::Object(query_single) },
                    "multiValueQueryStringParameters": if pairs.is_empty() { Value::Null } else { Value::Object(query_multi) },
                    "pathParameters": {"proxy": path.trim_start_matches('/')},
                    "stageVariables": null,
                    "requestContext": {
                        "accountId": "123456789012",
                        "resourceId": "abc123",
                        "stage": "prod",
                        "requestId": "request-id",
                        "identity": {"sourceIp": "203.0.113.7", "userAgent": "front-door-test"},
                        "resourcePath": "/{proxy+}",
                        "httpMethod": method,
                        "apiId": "api123",
                        "path": format!("/prod{path}"),
                        "protocol": "HTTP/1.1",
                        "requestTimeEpoch": 1_795_000_000_000_i64,
                    },
                    "body": body,
                    "isBase64Encoded": false,
                })
            }
        }
    }

    /// Every `Set-Cookie` of an answer, in the door's response format.
    fn set_cookies(self, answer: &Answer) -> Vec<String> {
        let strings = |v: &Value| -> Vec<String> {
            match v {
                Value::Array(a) => a
                    .iter()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect(),
                Value::String(s) => vec![s.clone()],
                _ => Vec::new(),
            }
        };
        match self {
            Door::HttpApi | Door::FunctionUrl => {
                let in_headers = strings(&answer.0["headers"]["set-cookie"]);
                assert!(
                    in_headers.is_empty(),
                    "{self:?}: Set-Cookie in headers too: {in_headers:?}"
                );
                answer.cookies()
            }
            Door::AlbMultiValue | Door::RestApi => {
                strings(&answer.0["multiValueHeaders"]["set-cookie"])
            }
            Door::Alb => strings(&answer.0["headers"]["set-cookie"]),
        }
    }

    fn header(self, answer: &Answer, name: &str) -> Option<String> {
        answer.0["headers"][name]
            .as_str()
            .map(str::to_owned)
            .or_else(|| {
                answer.0["multiValueHeaders"][name][0]
                    .as_str()
                    .map(str::to_owned)
            })
    }
}

async fn call<R, F, Fut>(route: Arc<R>, handle: F, event: Value) -> Answer
where
    R: Send + Sync + 'static,
    F: Fn(Arc<R>, Request) -> Fut + Send + Sync + Copy + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    invoke(move |request| handle(route.clone(), request), event).await
}

/// `name=value` of the cookie `name` among the Set-Cookies, checking it is whole.
fn cookie_pair(set_cookies: &[String], name: &str) -> Option<String> {
    let found: Vec<&String> = set_cookies
        .iter()
        .filter(|c| c.starts_with(&format!("{name}=")))
        .collect();
    assert!(found.len() <= 1, "{name} set twice: {set_cookies:?}");
    let whole = found.first()?;
    for attribute in ["Path=/", "HttpOnly", "Secure", "SameSite=Lax", "Max-Age="] {
        assert!(
            whole.contains(attribute),
            "{name} lost {attribute}: {whole}"
        );
    }
    Some(whole.split(';').next().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn sign_in_session_and_sign_out_through_every_front_door() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "door@example.com").await;
    for door in DOORS {
        // signin: a 302 and the flow cookie.
        let answer = call(
            stack.signin.clone(),
            |route, r| async move { route.handle(&r, passkey_auth::now()).await },
            door.event(
                "GET",
                "/api/auth/signin?callbackUrl=%2Fdoors%3Fa%3D1",
                &[],
                &[OTHER_COOKIE],
                None,
            ),
        )
        .await;
        assert_eq!(answer.status(), 302, "{door:?}: {:?}", answer.0);
        let set = door.set_cookies(&answer);
        assert_eq!(set.len(), 1, "{door:?}: {set:?}");
        let flow = cookie_pair(&set, "__Host-auth-flow").expect("the flow cookie");
        let authorize = door.header(&answer, "location").expect("a location");

        // callback: both cookies arrive, separate and whole.
        let redirect = passkey.sign_in(&stack.bi, &authorize).await;
        let url = url::Url::parse(&redirect).expect("url");
        let path = format!("{}?{}", url.path(), url.query().unwrap_or_default());
        let answer = call(
            stack.callback.clone(),
            |route, r| async move { route.handle(&r, passkey_auth::now()).await },
            door.event("GET", &path, &[], &[OTHER_COOKIE, &flow], None),
        )
        .await;
        assert_eq!(answer.status(), 303, "{door:?}: {:?}", answer.0);
        assert_eq!(
            door.header(&answer, "location").as_deref(),
            Some("/doors?a=1"),
            "{door:?}"
        );
        let set = door.set_cookies(&answer);
        let session = cookie_pair(&set, "__Host-session").expect("a session cookie");
        if let Door::Alb = door {
            // Without multi-value headers an ALB response carries one header per name:
            // the session's Set-Cookie comes first and is the one that arrives (the flow
            // cookie then lingers until it expires; it is single-use on the server).
            assert_eq!(set.len(), 1, "{door:?}: {set:?}");
        } else {
            assert_eq!(set.len(), 2, "{door:?}: two separate Set-Cookies: {set:?}");
            assert_eq!(
                cookie_pair(&set, "__Host-auth-flow").as_deref(),
                Some("__Host-auth-flow="),
                "{door:?}"
            );
        }

        // session: the Cookie header, with another cookie in it, is read right.
        let answer = call(
            stack.session.clone(),
            |route, r| async move { route.handle(&r, passkey_auth::now()).await },
            door.event(
                "GET",
                "/api/auth/session",
                &[],
                &[OTHER_COOKIE, &session, "z=1"],
                None,
            ),
        )
        .await;
        assert_eq!(answer.status(), 200, "{door:?}: {:?}", answer.0);
        assert_eq!(
            answer.json()["user"]["email"],
            "door@example.com",
            "{door:?}"
        );
        assert_eq!(
            door.header(&answer, "cache-control").as_deref(),
            Some("no-store"),
            "{door:?}"
        );

        // signout: the cookie is cleared, and the session is gone.
        let headers = [("origin", ORIGIN), ("content-type", "application/json")];
        let answer = call(
            stack.session.clone(),
            |route, r| async move { route.handle(&r, passkey_auth::now()).await },
            door.event(
                "POST",
                "/api/auth/signout",
                &headers,
                &[&session],
                Some("{}"),
            ),
        )
        .await;
        assert_eq!(answer.status(), 200, "{door:?}: {:?}", answer.0);
        assert_eq!(
            cookie_pair(&door.set_cookies(&answer), "__Host-session").as_deref(),
            Some("__Host-session="),
            "{door:?}"
        );
        let answer = call(
            stack.session.clone(),
            |route, r| async move { route.handle(&r, passkey_auth::now()).await },
            door.event("GET", "/api/auth/session", &[], &[&session], None),
        )
        .await;
        assert_eq!(answer.json(), json!(false), "{door:?}");
    }
}

#[tokio::test]
async fn each_door_gives_the_client_address_the_front_door_saw() {
    let app = passkey_auth::AppConfig::load(&passkey_auth::Env::from_pairs([
        ("AUTH_URL", ORIGIN),
        ("SESSION_TABLE", "t"),
    ]))
    .expect("config");
    for door in DOORS {
        let event = door.event(
            "POST",
            "/api/auth/register",
            &[("x-forwarded-for", "198.51.100.1, 203.0.113.7")],
            &[],
            Some("{}"),
        );
        let request: lambda_http::request::LambdaRequest =
            serde_json::from_value(event).expect("an event");
        let request: Request = request.into();
        assert_eq!(
            passkey_auth::http::client_address(&request, &app),
            "203.0.113.7",
            "{door:?}"
        );
    }
}

/// Session fixation: a browser that already holds a session and signs in again gets a new
/// session token, and the old one ends, through every front door.
#[tokio::test]
async fn a_second_sign_in_through_every_front_door_replaces_the_session() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "again@example.com").await;
    for door in DOORS {
        let mut held: Option<String> = None;
        for round in 0..2 {
            let answer = call(
                stack.signin.clone(),
                |route, r| async move { route.handle(&r, passkey_auth::now()).await },
                door.event("GET", "/api/auth/signin?callbackUrl=%2F", &[], &[], None),
            )
            .await;
            let flow = cookie_pair(&door.set_cookies(&answer), "__Host-auth-flow").expect("flow");
            let authorize = door.header(&answer, "location").expect("a location");
            let redirect = passkey.sign_in(&stack.bi, &authorize).await;
            let url = url::Url::parse(&redirect).expect("url");
            let path = format!("{}?{}", url.path(), url.query().unwrap_or_default());
            let mut cookies = vec![flow.as_str()];
            if let Some(old) = &held {
                cookies.push(old.as_str());
            }
            let answer = call(
                stack.callback.clone(),
                |route, r| async move { route.handle(&r, passkey_auth::now()).await },
                door.event("GET", &path, &[], &cookies, None),
            )
            .await;
            assert_eq!(
                answer.status(),
                303,
                "{door:?} round {round}: {:?}",
                answer.0
            );
            let new =
                cookie_pair(&door.set_cookies(&answer), "__Host-session").unwrap_or_else(|| {
                    panic!(
                        "{door:?} round {round}: no new session cookie: {:?}",
                        answer.0
                    )
                });
            if let Some(old) = &held {
                assert_ne!(&new, old, "{door:?}: the same token again");
                let answer = call(
                    stack.session.clone(),
                    |route, r| async move { route.handle(&r, passkey_auth::now()).await },
                    door.event("GET", "/api/auth/session", &[], &[old], None),
                )
                .await;
                assert_eq!(
                    answer.json(),
                    json!(false),
                    "{door:?}: the old session still works"
                );
            }
            held = Some(new);
        }
    }
}

/// A `Host` that is no host, a scheme that is none, a path without its `/` or one too
/// long for a URI: `lambda_http` would panic converting any of them (and, built with
/// `panic = "abort"`, end the warm container). Through every door the session check still
/// answers, and a path too long answers 414 in JSON.
#[tokio::test]
async fn malformed_hosts_schemes_and_paths_get_an_answer_through_every_front_door() {
    let stack = Stack::start().await;
    let session_check = |event: Value| {
        call(
            stack.session.clone(),
            |route, r| async move { route.handle(&r, passkey_auth::now()).await },
            event,
        )
    };
    let too_long = format!(
        "/api/auth/session?x={}",
        "a".repeat(passkey_auth::http::lambda::MAX_URI)
    );
    for door in DOORS {
        for (host, proto) in [
            ("a b", "https"),
            ("x:99999", "https"),
            ("ok.example", "a b"),
        ] {
            let headers = [("host", host), ("x-forwarded-proto", proto)];
            let event = door.event("GET", "/api/auth/session", &headers, &[], None);
            let answer = session_check(event).await;
            assert_eq!(
                answer.status(),
                200,
                "{door:?} {host:?} {proto:?}: {:?}",
                answer.0
            );
            assert_eq!(answer.json(), json!(false), "{door:?}");
        }
        let mut event = door.event("GET", "/api/auth/session", &[], &[], None);
        let path_field = match door {
            Door::HttpApi | Door::FunctionUrl => "rawPath",
            Door::Alb | Door::AlbMultiValue | Door::RestApi => "path",
        };
        event[path_field] = ":1".into();
        let answer = session_check(event).await;
        assert_eq!(answer.status(), 404, "{door:?}: {:?}", answer.0);

        let answer = session_check(door.event("GET", &too_long, &[], &[], None)).await;
        assert_eq!(answer.status(), 414, "{door:?}: {:?}", answer.0);
        assert_eq!(answer.json()["error"], "uri_too_long", "{door:?}");
    }
}
