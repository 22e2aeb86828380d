//! The `authorizer` function: API Gateway authorizer events (HTTP API payload 2.0 with
//! simple responses, and REST API `REQUEST`) against sessions made by real sign-ins.

use crate::common;

use bi_local::sdk::enrolled_user;
use common::{Stack, session_id};
use passkey_auth::routes::authorizer::Authorizer;
use passkey_auth::session::SessionToken;
use passkey_verifier::Verifier;
use serde_json::{Value, json};

const METHOD_ARN: &str = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/api/orders/7";

/// An HTTP API (payload 2.0) authorizer event with these `cookies`.
fn http_api(cookies: &[&str]) -> Value {
    json!({
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/GET/api/orders/7",
        "identitySource": [cookies.join("; ")],
        "routeKey": "GET /api/orders/{id}",
        "rawPath": "/api/orders/7",
        "rawQueryString": "",
        "cookies": cookies,
        "headers": {"cookie": cookies.join("; "), "host": "api.example.com"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "http": {"method": "GET", "path": "/api/orders/7", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "test"},
            "requestId": "id",
            "routeKey": "GET /api/orders/{id}",
            "stage": "$default",
            "time": "27/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1_795_000_000_000u64
        }
    })
}

/// A REST API `REQUEST` authorizer event with these `Cookie` headers.
fn rest_api(cookie_headers: &[&str]) -> Value {
    json!({
        "type": "REQUEST",
        "methodArn": METHOD_ARN,
        "resource": "/api/orders/{id}",
        "path": "/api/orders/7",
        "httpMethod": "GET",
        "headers": {"Cookie": cookie_headers.last().copied().unwrap_or_default(), "Host": "api.example.com"},
        "multiValueHeaders": {"Cookie": cookie_headers, "Host": ["api.example.com"]},
        "queryStringParameters": {},
        "pathParameters": {"id": "7"},
        "stageVariables": {},
        "requestContext": {"accountId": "123456789012", "apiId": "abc123", "stage": "prod", "httpMethod": "GET", "path": "/prod/api/orders/7", "resourcePath": "/api/orders/{id}", "requestId": "id", "identity": {"sourceIp": "203.0.113.7"}}
    })
}

fn authorizer(stack: &Stack) -> Authorizer {
    Authorizer::new(
        Verifier::new(stack.db.clone(), stack.table.clone())
            .with_idle_timeout(stack.config.app.sessions.idle_timeout),
    )
}

fn allowed_http(answer: &Value) -> bool {
    assert_eq!(answer.as_object().map(|o| o.len()), Some(2), "{answer}");
    answer["isAuthorized"].as_bool().expect("isAuthorized")
}

fn effect(answer: &Value) -> &str {
    let statements = answer["policyDocument"]["Statement"]
        .as_array()
        .expect("statements");
    assert_eq!(statements.len(), 1, "{answer}");
    assert_eq!(statements[0]["Action"], "execute-api:Invoke");
    assert_eq!(
        statements[0]["Resource"], "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*",
        "the stage, so that a cached answer serves each of its routes"
    );
    statements[0]["Effect"].as_str().expect("effect")
}

#[tokio::test]
async fn a_live_session_is_allowed_with_the_user_as_context_in_both_shapes() {
    let stack = Stack::start().await;
    let (identity, passkey) = enrolled_user(&stack.bi, "alice@example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    let authorizer = authorizer(&stack);
    let now = passkey_auth::now();
    let expected = json!({
        "sub": identity["id"],
        "email": "alice@example.com",
        "name": "alice@example.com",
        "session": session_id(&cookie).public_id(),
    });

    let answer = authorizer
        .handle(&http_api(&["theme=dark", &cookie]), now)
        .await;
    assert!(allowed_http(&answer), "{answer}");
    assert_eq!(answer["context"], expected);

    let answer = authorizer
        .handle(&rest_api(&[&format!("theme=dark; {cookie}")]), now)
        .await;
    assert_eq!(effect(&answer), "Allow");
    assert_eq!(answer["principalId"], identity["id"]);
    assert_eq!(answer["context"], expected);
    // Context values are strings only: what a REST API accepts.
    assert!(
        answer["context"]
            .as_object()
            .expect("object")
            .values()
            .all(Value::is_string)
    );
}

#[tokio::test]
async fn no_expired_revoked_forged_or_duplicate_session_is_ever_allowed() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "alice@example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    let other = stack.sign_in(&passkey).await;
    let authorizer = authorizer(&stack);
    let now = passkey_auth::now();
    let value = cookie.split_once('=').expect("name=value").1.to_owned();
    let mut tampered = value.clone().into_bytes();
    tampered[10] = if tampered[10] == b'A' { b'B' } else { b'A' };
    let tampered = format!(
        "__Host-session={}",
        String::from_utf8(tampered).expect("ascii")
    );
    let unknown = format!(
        "__Host-session={}",
        SessionToken::generate().expect("token").as_cookie_value()
    );
    let refused: Vec<(&str, Vec<String>, i64)> = vec![
        ("no cookie", vec![], now),
        ("another cookie only", vec!["theme=dark".into()], now),
        ("an unknown token", vec![unknown], now),
        ("a tampered token", vec![tampered], now),
        ("garbage", vec!["__Host-session=not-a-token".into()], now),
        (
            "two session cookies",
            vec![cookie.clone(), other.clone()],
            now,
        ),
        (
            "the same cookie twice",
            vec![cookie.clone(), cookie.clone()],
            now,
        ),
        (
            "expired (idle limit)",
            vec![cookie.clone()],
            now + 25 * 3600,
        ),
    ];
    for (what, cookies, at) in &refused {
        let cookies: Vec<&str> = cookies.iter().map(String::as_str).collect();
        let answer = authorizer.handle(&http_api(&cookies), *at).await;
        assert!(!allowed_http(&answer), "HTTP API allowed {what}");
        assert_eq!(answer["context"], json!({}), "{what}");
        let answer = authorizer.handle(&rest_api(&cookies), *at).await;
        assert_eq!(effect(&answer), "Deny", "REST API allowed {what}");
        // Two Cookie headers are as ambiguous as two cookies in one.
        if cookies.len() == 2 {
            let answer = authorizer
                .handle(&rest_api(&[&cookies.join("; ")]), *at)
                .await;
            assert_eq!(
                effect(&answer),
                "Deny",
                "REST API allowed {what} in one header"
            );
        }
    }

    // Revoked: signed out, then checked.
    let answer = stack.sign_out(&[&other]).await;
    assert_eq!(answer.status(), 200);
    assert!(!allowed_http(
        &authorizer.handle(&http_api(&[&other]), now).await
    ));
    assert_eq!(
        effect(&authorizer.handle(&rest_api(&[&other]), now).await),
        "Deny"
    );
}

#[tokio::test]
async fn an_unreachable_table_or_an_unknown_event_is_denied() {
    let stack = Stack::start().await;
    let (_, passkey) = enrolled_user(&stack.bi, "alice@example.com").await;
    let cookie = stack.sign_in(&passkey).await;
    let unreachable = common::unreachable_dynamo();
    let authorizer = Authorizer::new(Verifier::new(unreachable, stack.table.clone()));
    let now = passkey_auth::now();
    assert!(!allowed_http(
        &authorizer.handle(&http_api(&[&cookie]), now).await
    ));
    assert_eq!(
        effect(&authorizer.handle(&rest_api(&[&cookie]), now).await),
        "Deny"
    );

    let working = self::authorizer(&stack);
    for event in [
        json!({}),
        json!({"type": "TOKEN", "authorizationToken": cookie, "methodArn": METHOD_ARN}),
        json!({"type": "REQUEST", "methodArn": "not-an-arn", "headers": {"Cookie": cookie}}),
        json!({"type": "REQUEST", "methodArn": "arn:aws:lambda:eu-west-1:1:function/x", "headers": {"Cookie": cookie}}),
    ] {
        let answer = working.handle(&event, now).await;
        assert_eq!(
            answer,
            json!({"isAuthorized": false, "context": {}}),
            "{event}"
        );
    }
}
