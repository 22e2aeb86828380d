//! The management client against a stand-in of Beyond Identity's management API (an axum
//! server answering in the shapes of its OpenAPI file), for what bi-local does not do:
//! a credential list of several pages whose last page carries an empty
//! `next_page_token` (the OpenAPI file types it as a string; an empty one ends the list as
//! surely as an absent one, which is what bi-local sends), a list that never ends, and a
//! credential gone between the account page's list and its revoke.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode, Uri};
use passkey_auth::config::secret::Secret;
use passkey_auth::config::{Authenticator, ManagementConfig, ManagementCredentials};
use passkey_auth::management::{BiManagementClient, ManagementApi, ManagementError, RetryPolicy};
use serde_json::{Value, json};

const REALM: &str = "/v1/tenants/t/realms/r";

fn credential(id: &str) -> Value {
    json!({
        "id": id,
        "identity_id": "i",
        "state": "ACTIVE",
        "create_time": "2026-11-27T10:00:00Z",
        "update_time": "2026-11-27T10:00:00Z",
    })
}

/// Every request the stand-in was asked, as `METHOD path?query`.
type Asked = Arc<Mutex<Vec<String>>>;

/// The stand-in's answers: `paged` has two pages, `endless` always one more; revoking
/// `gone` is 404 and `bad` is 400; any other revoke succeeds.
async fn answer(
    State(asked): State<Asked>,
    method: Method,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    asked.lock().expect("lock").push(format!("{method} {uri}"));
    let path = uri.path().strip_prefix(REALM).unwrap_or_default();
    let page = query.get("page_token").map(String::as_str);
    match (method, path) {
        (Method::GET, "/identities/paged/credentials") => match page {
            None => (
                StatusCode::OK,
                Json(
                    json!({"credentials": [credential("c1")], "total_size": 2, "next_page_token": "p2"}),
                ),
            ),
            Some(_) => (
                StatusCode::OK,
                Json(
                    json!({"credentials": [credential("c2")], "total_size": 2, "next_page_token": ""}),
                ),
            ),
        },
        (Method::GET, "/identities/endless/credentials") => (
            StatusCode::OK,
            Json(json!({"credentials": [credential("c")], "next_page_token": "more"})),
        ),
        (Method::POST, "/identities/i/credentials/gone:revoke") => (
            StatusCode::NOT_FOUND,
            Json(json!({"code": "not_found", "message": "credential not found"})),
        ),
        (Method::POST, "/identities/i/credentials/bad:revoke") => (
            StatusCode::BAD_REQUEST,
            Json(json!({"code": "bad_request", "message": "invalid credential id"})),
        ),
        (Method::POST, _) => {
            let mut revoked = credential("c1");
            revoked["state"] = "REVOKED".into();
            (StatusCode::OK, Json(revoked))
        }
        _ => (StatusCode::NOT_FOUND, Json(json!({}))),
    }
}

/// The client, against a stand-in started on a free port (stopped when the test ends).
async fn client() -> (BiManagementClient, Asked) {
    let asked = Asked::default();
    let app = axum::Router::new()
        .fallback(answer)
        .with_state(asked.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let config = ManagementConfig {
        auth_base: base.clone(),
        api_base: base,
        tenant_id: "t".into(),
        realm_id: "r".into(),
        authenticator_config_id: "a".into(),
        authenticator: Authenticator::Embedded,
        credentials: ManagementCredentials::StaticToken(Secret::new("token")),
    };
    let client = BiManagementClient::new(config, RetryPolicy::default()).expect("client");
    (client, asked)
}

#[tokio::test]
async fn a_credential_list_is_read_page_by_page_to_an_empty_next_page_token() {
    let (client, asked) = client().await;
    let ids: Vec<String> = client
        .list_credentials("paged")
        .await
        .expect("a list")
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["c1", "c2"]);
    let asked = asked.lock().expect("lock").clone();
    assert_eq!(
        asked,
        [
            format!("GET {REALM}/identities/paged/credentials?page_size=200"),
            format!("GET {REALM}/identities/paged/credentials?page_size=200&page_token=p2"),
        ]
    );
}

#[tokio::test]
async fn a_credential_list_that_never_ends_is_an_error_after_ten_pages() {
    let (client, asked) = client().await;
    assert!(matches!(
        client.list_credentials("endless").await,
        Err(ManagementError::Unavailable(_))
    ));
    assert_eq!(asked.lock().expect("lock").len(), 10);
}

#[tokio::test]
async fn a_revoke_answers_for_the_credential_it_names() {
    let (client, _) = client().await;
    // Gone between the account page's list and its revoke: the route's 404.
    assert_eq!(
        client.revoke_credential("i", "gone").await,
        Err(ManagementError::NotFound)
    );
    assert_eq!(
        client.revoke_credential("i", "bad").await,
        Err(ManagementError::Invalid(
            "400 Bad Request: invalid credential id".into()
        ))
    );
    let revoked = client.revoke_credential("i", "c1").await.expect("revoked");
    assert_eq!((revoked.id.as_str(), revoked.is_active()), ("c1", false));
}
