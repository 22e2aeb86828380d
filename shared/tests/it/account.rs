//! The account routes: a user's sessions and passkeys, revocation that takes effect on
//! the very next request (also when it races a sliding refresh or a sign-in under way),
//! and the recent sign-in that sensitive actions need. Real events, bi-local and the
//! local DynamoDB server.

use crate::common;

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use bi_local::sdk::{Passkey, enrolled_user};
use common::{Stack, error_of, event, post, session_id};
use passkey_auth::account::AddressChange;
use passkey_auth::routes::session::SessionRoutes;
use passkey_auth::session::{Session, SessionId, SessionRecords, SessionStore, StoreError, User};
use passkey_auth::store::dynamo::DynamoSessionStore;
use passkey_auth::{Sessions, now};
use serde_json::{Value, json};

fn get(path: &str, cookies: &[&str]) -> Value {
    event("GET", path, &[], cookies, None)
}

async fn sessions_of(stack: &Stack, cookie: &str) -> Vec<Value> {
    let answer = stack
        .session_at(get("/api/auth/sessions", &[cookie]), now())
        .await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    answer.json()["sessions"]
        .as_array()
        .expect("a list")
        .clone()
}

#[tokio::test]
async fn the_list_shows_only_the_users_sessions_with_this_browser_marked() {
    let stack = Stack::start().await;
    let (_, alice) = enrolled_user(&stack.bi, "alice@example.com").await;
    let (_, bob) = enrolled_user(&stack.bi, "bob@example.com").await;
    let laptop = stack.sign_in(&alice).await;
    let phone = stack.sign_in(&alice).await;
    let bobs = stack.sign_in(&bob).await;

    let listed = sessions_of(&stack, &laptop).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    let current: Vec<bool> = listed
        .iter()
        .map(|s| s["current"].as_bool().expect("current"))
        .collect();
    assert_eq!(current.iter().filter(|c| **c).count(), 1, "{listed:?}");
    for session in &listed {
        assert_eq!(
            session["network"], "203.0.113.0/24",
            "never the whole address"
        );
        assert_eq!(session["device"], "Unknown browser");
        assert!(
            session["created_at"]
                .as_str()
                .expect("created")
                .ends_with('Z')
        );
        let id = session["id"].as_str().expect("an id");
        assert_eq!(id.len(), 32);
        for cookie in [&laptop, &phone, &bobs] {
            let token = cookie.split_once('=').expect("name=value").1;
            assert!(!cookie.contains(id) && !id.contains(&token[..8]));
        }
    }
    let body = stack
        .session_at(get("/api/auth/sessions", &[&laptop]), now())
        .await
        .0["body"]
        .as_str()
        .expect("body")
        .to_owned();
    for cookie in [&laptop, &phone] {
        let token = cookie.split_once('=').expect("name=value").1;
        let key = session_id(cookie);
        assert!(!body.contains(token), "the list never shows a token");
        assert!(
            !body.contains(key.as_str().trim_start_matches("session#")),
            "nor a key"
        );
    }
    // Each browser sees itself as the current one.
    let from_phone = sessions_of(&stack, &phone).await;
    let mark = |list: &[Value]| {
        list.iter()
            .find(|s| s["current"] == true)
            .map(|s| s["id"].clone())
    };
    assert_ne!(mark(&listed), mark(&from_phone));
    assert_eq!(sessions_of(&stack, &bobs).await.len(), 1);

    let answer = stack
        .session_at(get("/api/auth/sessions", &[]), now())
        .await;
    assert_eq!(error_of(&answer), (401, json!("unauthenticated")));
}

#[tokio::test]
async fn a_revoked_session_is_refused_on_its_next_request_and_others_ids_are_404() {
    let stack = Stack::start().await;
    let (_, alice) = enrolled_user(&stack.bi, "alice@example.com").await;
    let (_, bob) = enrolled_user(&stack.bi, "bob@example.com").await;
    let laptop = stack.sign_in(&alice).await;
    let phone = stack.sign_in(&alice).await;
    let bobs = stack.sign_in(&bob).await;
    let bobs_id = sessions_of(&stack, &bobs).await[0]["id"].clone();
    let phone_id = sessions_of(&stack, &phone)
        .await
        .iter()
        .find(|s| s["current"] == true)
        .expect("current")["id"]
        .clone();

    let revoke =
        |cookie: &str, body: String| post("/api/auth/sessions/revoke", &[cookie], &body).clone();
    // Another user's session id is the same 404 as an unknown one.
    let answer = stack
        .session_at(revoke(&laptop, json!({"id": bobs_id}).to_string()), now())
        .await;
    assert_eq!(error_of(&answer), (404, json!("not_found")));
    assert!(
        stack.is_signed_in(&bobs).await,
        "Bob's session is untouched"
    );
    let answer = stack
        .session_at(
            revoke(&laptop, json!({"id": "0".repeat(32)}).to_string()),
            now(),
        )
        .await;
    assert_eq!(error_of(&answer), (404, json!("not_found")));
    // Malformed bodies are 400 with a reason; a foreign origin is 403.
    for body in ["", "[]", r#"{"id":7}"#, r#"{"id":"a b"}"#, r#"{"ID":"x"}"#] {
        let answer = stack
            .session_at(revoke(&laptop, body.to_owned()), now())
            .await;
        assert_eq!(error_of(&answer), (400, json!("bad_request")), "{body}");
    }
    let mut foreign = revoke(&laptop, json!({"id": phone_id}).to_string());
    foreign["headers"]["origin"] = "https://evil.example".into();
    assert_eq!(stack.session_at(foreign, now()).await.status(), 403);
    assert!(stack.is_signed_in(&phone).await);

    // The laptop ends the phone's session: the phone is signed out on its next request.
    let answer = stack
        .session_at(revoke(&laptop, json!({"id": phone_id}).to_string()), now())
        .await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    assert_eq!(
        answer.cookie("__Host-session"),
        None,
        "the laptop keeps its own cookie"
    );
    assert!(!stack.is_signed_in(&phone).await);
    assert!(stack.is_signed_in(&laptop).await);
    assert_eq!(sessions_of(&stack, &laptop).await.len(), 1);
    // Again: nothing left by that id.
    let answer = stack
        .session_at(revoke(&laptop, json!({"id": phone_id}).to_string()), now())
        .await;
    assert_eq!(answer.status(), 404);

    // Ending this browser's own session from the list also clears its cookie.
    let own = sessions_of(&stack, &laptop).await[0]["id"].clone();
    let answer = stack
        .session_at(revoke(&laptop, json!({"id": own}).to_string()), now())
        .await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.cookie("__Host-session").as_deref(), Some(""));
    assert!(!stack.is_signed_in(&laptop).await);
}

#[tokio::test]
async fn signing_out_everywhere_needs_a_recent_sign_in_and_ends_every_session() {
    let stack = Stack::start().await;
    let (_, alice) = enrolled_user(&stack.bi, "alice@example.com").await;
    let (_, bob) = enrolled_user(&stack.bi, "bob@example.com").await;
    let laptop = stack.sign_in(&alice).await;
    let phone = stack.sign_in(&alice).await;
    let bobs = stack.sign_in(&bob).await;
    let everywhere = |cookie: &str| post("/api/auth/signout-everywhere", &[cookie], "{}");

    // Five minutes and one second after signing in: sign in again first.
    let later = now() + 301;
    let answer = stack.session_at(everywhere(&laptop), later).await;
    assert_eq!(error_of(&answer), (401, json!("reauthentication_required")));
    assert!(stack.is_signed_in(&phone).await, "nothing was ended");
    let at = now() + 299;
    let answer = stack.session_at(everywhere(&laptop), at).await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    assert_eq!(answer.json()["ended"], 2);
    // The marker is kept (the user's item outlives its TTL) as long as a session can live.
    let number = |item: &HashMap<String, AttributeValue>, name: &str| -> i64 {
        item[name].as_n().expect("number").parse().expect("integer")
    };
    let marked: Vec<_> = stack
        .items("user")
        .await
        .into_iter()
        .filter(|i| i.contains_key("revoked_before"))
        .collect();
    assert_eq!(marked.len(), 1, "alice's item alone");
    assert_eq!(number(&marked[0], "revoked_before"), at);
    let max_age = stack.config.app.sessions.max_age.as_secs() as i64;
    assert_eq!(number(&marked[0], "expires_at"), at + max_age);
    assert_eq!(answer.cookie("__Host-session").as_deref(), Some(""));
    for cookie in [&laptop, &phone] {
        assert!(!stack.is_signed_in(cookie).await);
    }
    assert!(
        stack.is_signed_in(&bobs).await,
        "only the user's own sessions end"
    );
    assert_eq!(
        error_of(&stack.session_at(everywhere(&laptop), now()).await),
        (401, json!("unauthenticated"))
    );
}

/// A sign-in that began before "sign out everywhere" and finishes after it is void; one
/// that begins after it is not.
#[tokio::test]
async fn a_sign_in_under_way_during_sign_out_everywhere_is_refused() {
    let stack = Stack::start().await;
    let (_, alice) = enrolled_user(&stack.bi, "alice@example.com").await;
    let laptop = stack.sign_in(&alice).await;
    let t = now();
    // A sign-in is under way (a thief's, say): the flow began, the provider answered.
    let (callback, flow) = stack.start_sign_in_at(&alice, "/", t - 20).await;
    // The owner signs out everywhere; then the sign-in comes back to the callback.
    let answer = stack
        .session_at(
            post("/api/auth/signout-everywhere", &[&laptop], "{}"),
            t - 10,
        )
        .await;
    assert_eq!(answer.status(), 200);
    let answer = stack.callback_at(&callback, &[&flow], t).await;
    assert_eq!(answer.status(), 303);
    assert_eq!(answer.location(), "/?error=signed_out_everywhere");
    assert_eq!(answer.cookie("__Host-session"), None);
    assert!(
        stack.items("session").await.is_empty(),
        "no session was created"
    );

    // A sign-in that begins after it is a sign-in like any other.
    let (callback, flow) = stack.start_sign_in_at(&alice, "/", t - 9).await;
    let answer = stack.callback_at(&callback, &[&flow], t).await;
    assert_eq!(answer.status(), 303, "{:?}", answer.0);
    assert_eq!(answer.location(), "/");
    let session = format!(
        "__Host-session={}",
        answer.cookie("__Host-session").expect("a cookie")
    );
    assert!(stack.is_signed_in(&session).await);
}

/// A session that ended without the user's item hearing of it (its item deleted by the
/// table's TTL) leaves the user's item when a list finds it gone; the live one stays named.
#[tokio::test]
async fn a_list_prunes_the_sessions_that_ended_from_the_users_item() {
    let stack = Stack::start().await;
    let (_, alice) = enrolled_user(&stack.bi, "alice@example.com").await;
    let laptop = stack.sign_in(&alice).await;
    let phone = stack.sign_in(&alice).await;
    let key = |cookie: &str| session_id(cookie).as_str().to_owned();
    let named = || async {
        let users = stack.items("user").await;
        assert_eq!(users.len(), 1);
        let mut keys = users[0]["sessions"].as_ss().expect("a set").clone();
        keys.sort();
        keys
    };
    let mut both = vec![key(&laptop), key(&phone)];
    both.sort();
    assert_eq!(named().await, both);

    stack
        .db
        .delete_item()
        .table_name(&stack.table)
        .key("pk", AttributeValue::S(key(&phone)))
        .send()
        .await
        .expect("deleted as the TTL would");
    assert_eq!(sessions_of(&stack, &laptop).await.len(), 1);
    assert_eq!(named().await, vec![key(&laptop)]);
}

/// The adapter's conditional writes: each condition it expects is an answer (the "sign
/// out everywhere" marker only moves forward, so a function whose clock is behind cannot
/// shorten it; a flow is claimed once), and a write the table refuses for any other reason
/// is a failure, never mistaken for one.
#[tokio::test]
async fn conditional_writes_answer_their_condition_and_fail_on_anything_else() {
    let stack = Stack::start().await;
    let store = DynamoSessionStore::new(stack.db.clone(), stack.table.clone());
    let user = User::new(stack.config.provider.issuer.clone(), "alice");
    let t = now();
    store.revoke_before(&user, t, t + 60).await.expect("marked");
    store
        .revoke_before(&user, t - 30, t + 60)
        .await
        .expect("an older mark is no failure");
    let marked = stack.items("user").await;
    assert_eq!(marked.len(), 1);
    assert_eq!(marked[0]["revoked_before"].as_n(), Ok(&t.to_string()));

    let elsewhere = DynamoSessionStore::new(stack.db.clone(), "no-such-table");
    assert!(elsewhere.revoke_before(&user, t, t + 60).await.is_err());
    // So are a claim (a used flow is `false`; a table that fails is not "used") and the
    // user's list of sessions, when the table refuses the write for another reason.
    assert!(store.claim("flow#a", t + 60).await.expect("first use"));
    assert!(!store.claim("flow#a", t + 60).await.expect("second use"));
    assert!(elsewhere.claim("flow#b", t + 60).await.is_err());
    let not_a_set = HashMap::from([
        (
            "pk".to_owned(),
            AttributeValue::S(marked[0]["pk"].as_s().expect("pk").clone()),
        ),
        ("kind".to_owned(), AttributeValue::S("user".into())),
        ("sessions".to_owned(), AttributeValue::S("not a set".into())),
    ]);
    let put = stack
        .db
        .put_item()
        .table_name(&stack.table)
        .set_item(Some(not_a_set));
    put.send().await.expect("a malformed user item");
    let id = passkey_auth::session::SessionToken::generate()
        .expect("token")
        .id();
    assert!(
        store
            .remove(&user, std::slice::from_ref(&id))
            .await
            .is_err()
    );
    // A user with no item at all (sessions written before it, found by the index) is the
    // condition, not a failure: ending such a session has nothing to take off a list.
    let before_the_item = User::new(stack.config.provider.issuer.clone(), "bob");
    store
        .remove(&before_the_item, &[id])
        .await
        .expect("nothing to forget is no failure");
}

/// DynamoDB may leave part of a batch read unprocessed (throttling; moto never does): the
/// adapter asks again for what is left, and if the table keeps leaving it, the list is an
/// error, never a list with sessions missing (sign out everywhere would miss them). A
/// stand-in table that always leaves the one session unprocessed shows it.
#[tokio::test]
async fn a_batch_read_the_table_keeps_leaving_unprocessed_is_an_error() {
    use axum::http::HeaderMap;
    let key = passkey_auth::session::SessionToken::generate()
        .expect("token")
        .id();
    let pending = json!({"pk": {"S": key.as_str()}});
    let batches = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = batches.clone();
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move |headers: HeaderMap| {
            let (pending, counted) = (pending.clone(), counted.clone());
            async move {
                let target = headers["x-amz-target"].to_str().unwrap_or_default().to_owned();
                let answer = match target.rsplit('.').next().unwrap_or_default() {
                    "GetItem" => json!({"Item": {"pk": {"S": "user#x"}, "sessions": {"SS": [pending["pk"]["S"]]}}}),
                    "Query" => json!({"Items": [], "Count": 0, "ScannedCount": 0}),
                    "BatchGetItem" => {
                        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        json!({"Responses": {"t": []}, "UnprocessedKeys": {"t": {"Keys": [pending]}}})
                    }
                    other => json!({"__type": "UnknownOperationException", "message": other}),
                };
                ([("content-type", "application/x-amz-json-1.0")], answer.to_string())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let address = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let client = common::dynamo_at(&format!("http://{address}"));
    let store = DynamoSessionStore::new(client, "t");
    let listed = store
        .list(&User::new("https://issuer.example", "alice"))
        .await;
    assert!(listed.is_err(), "{listed:?}");
    assert_eq!(
        batches.load(std::sync::atomic::Ordering::SeqCst),
        5,
        "asked again, then gave up"
    );
    server.abort();
}

/// A store that runs `during` just before it records activity: the revoke lands between
/// the session check's read and its sliding refresh.
struct RevokeBeforeTouch<F> {
    inner: DynamoSessionStore,
    during: F,
}

impl<F, Fut> SessionRecords for RevokeBeforeTouch<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: std::future::Future<Output = ()> + Send,
{
    async fn get(&self, id: &SessionId) -> Result<Option<Session>, StoreError> {
        self.inner.get(id).await
    }
    async fn touch(&self, id: &SessionId, session: &Session) -> Result<(), StoreError> {
        (self.during)().await;
        self.inner.touch(id, session).await
    }
    async fn delete(&self, id: &SessionId) -> Result<(), StoreError> {
        self.inner.delete(id).await
    }
}

impl<F, Fut> SessionStore for RevokeBeforeTouch<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: std::future::Future<Output = ()> + Send,
{
    async fn create(
        &self,
        id: &SessionId,
        session: &Session,
        began_at: i64,
    ) -> Result<bool, StoreError> {
        self.inner.create(id, session, began_at).await
    }
    async fn claim(&self, key: &str, expires_at: i64) -> Result<bool, StoreError> {
        self.inner.claim(key, expires_at).await
    }
    async fn list(&self, user: &User) -> Result<Vec<(SessionId, Session)>, StoreError> {
        self.inner.list(user).await
    }
    async fn remove(&self, user: &User, ids: &[SessionId]) -> Result<(), StoreError> {
        self.inner.remove(user, ids).await
    }
    async fn revoke_before(&self, user: &User, at: i64, keep_until: i64) -> Result<(), StoreError> {
        self.inner.revoke_before(user, at, keep_until).await
    }
    async fn provider_sessions(
        &self,
        issuer: &str,
        sid: &str,
    ) -> Result<Vec<(SessionId, Session)>, StoreError> {
        self.inner.provider_sessions(issuer, sid).await
    }
    async fn forget_user(&self, user: &User, sids: &[String]) -> Result<(), StoreError> {
        self.inner.forget_user(user, sids).await
    }
    async fn hold_address_change(
        &self,
        key: &str,
        change: &AddressChange,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.inner
            .hold_address_change(key, change, expires_at)
            .await
    }
    async fn take_address_change(
        &self,
        key: &str,
        now: i64,
    ) -> Result<Option<AddressChange>, StoreError> {
        self.inner.take_address_change(key, now).await
    }
    async fn set_email(
        &self,
        id: &SessionId,
        email: &str,
        name: Option<&str>,
    ) -> Result<(), StoreError> {
        self.inner.set_email(id, email, name).await
    }
    async fn take(&self, id: &SessionId) -> Result<Option<Session>, StoreError> {
        self.inner.take(id).await
    }
}

#[tokio::test]
async fn a_revoke_that_lands_during_a_sliding_refresh_is_not_undone() {
    let stack = Stack::start().await;
    let (_, alice) = enrolled_user(&stack.bi, "alice@example.com").await;
    let laptop = stack.sign_in(&alice).await;
    let phone = stack.sign_in(&alice).await;
    let phone_id = sessions_of(&stack, &phone)
        .await
        .iter()
        .find(|s| s["current"] == true)
        .expect("current")["id"]
        .clone();
    let an_hour_on = now() + 3700;

    let store = || DynamoSessionStore::new(stack.db.clone(), stack.table.clone());
    let config = stack.config.app.clone();
    let revoker = Arc::new(SessionRoutes::new(
        config.clone(),
        Sessions::new(store(), config.sessions.clone()),
    ));
    let revoked = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // The phone ends its own session from its list (ending another would need a recent
    // sign-in, which an hour on it no longer is).
    let during = {
        let (revoker, phone, revoked) = (revoker.clone(), phone.clone(), revoked.clone());
        let body = json!({"id": phone_id}).to_string();
        move || {
            let (revoker, phone, body, revoked) = (
                revoker.clone(),
                phone.clone(),
                body.clone(),
                revoked.clone(),
            );
            async move {
                let answer = common::invoke(
                    move |r| {
                        let revoker = revoker.clone();
                        async move { revoker.handle(&r, an_hour_on).await }
                    },
                    post("/api/auth/sessions/revoke", &[&phone], &body),
                )
                .await;
                assert_eq!(answer.status(), 200, "{:?}", answer.0);
                revoked.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
    };
    let racing = SessionRoutes::new(
        config.clone(),
        Sessions::new(
            RevokeBeforeTouch {
                inner: store(),
                during,
            },
            config.sessions.clone(),
        ),
    );
    // An hour on, the phone's check is due to record activity; the revoke lands between
    // its read and its write.
    let phone_check = get("/api/auth/session", &[&phone]);
    let racing = Arc::new(racing);
    let answer = common::invoke(
        move |r| {
            let racing = racing.clone();
            async move { racing.handle(&r, an_hour_on).await }
        },
        phone_check,
    )
    .await;
    assert!(
        revoked.load(std::sync::atomic::Ordering::SeqCst),
        "the race happened"
    );
    // The check that began before the revoke may answer as of its read; the refresh after
    // it must not bring the session back.
    assert_eq!(answer.status(), 200);
    assert!(
        !stack.is_signed_in(&phone).await,
        "refused on the very next request"
    );
    // Not even a partial item: an unconditional update would have written one.
    let scan = stack
        .db
        .scan()
        .table_name(&stack.table)
        .send()
        .await
        .expect("scan");
    let sessions = scan
        .items()
        .iter()
        .filter(|item| item["pk"].as_s().is_ok_and(|pk| pk.starts_with("session#")))
        .count();
    assert_eq!(sessions, 1, "only the laptop's session is stored");
    assert!(stack.is_signed_in(&laptop).await);
}

/// Sessions are found through the user's own item even where the index has not caught
/// up (it is eventually consistent), and through the index for sessions written before
/// the user's item existed.
#[tokio::test]
async fn sign_out_everywhere_misses_no_session_whichever_record_names_it() {
    let stack = Stack::start().await;
    let (_, alice) = enrolled_user(&stack.bi, "alice@example.com").await;
    let laptop = stack.sign_in(&alice).await;
    let unindexed = stack.sign_in(&alice).await;
    let unnamed = stack.sign_in(&alice).await;
    let key = |cookie: &str| session_id(cookie).as_str().to_owned();
    // Out of the index: as a session written a moment ago that the index does not show yet.
    stack
        .db
        .update_item()
        .table_name(&stack.table)
        .key("pk", AttributeValue::S(key(&unindexed)))
        .update_expression("REMOVE user_key")
        .send()
        .await
        .expect("update");
    // Out of the user's item: as a session of the version before it.
    let users = stack.items("user").await;
    assert_eq!(users.len(), 1);
    stack
        .db
        .update_item()
        .table_name(&stack.table)
        .key("pk", users[0]["pk"].clone())
        .update_expression("DELETE sessions :s")
        .expression_attribute_values(":s", AttributeValue::Ss(vec![key(&unnamed)]))
        .send()
        .await
        .expect("update");
    assert_eq!(sessions_of(&stack, &laptop).await.len(), 3);
    let answer = stack
        .session_at(
            post("/api/auth/signout-everywhere", &[&laptop], "{}"),
            now(),
        )
        .await;
    assert_eq!(answer.json()["ended"], 3);
    for cookie in [&laptop, &unindexed, &unnamed] {
        assert!(!stack.is_signed_in(cookie).await);
    }
    assert!(stack.items("session").await.is_empty());
}

async fn passkeys_of(stack: &Stack, cookie: &str) -> Vec<Value> {
    let answer = stack
        .account_at(get("/api/auth/passkeys", &[cookie]), now())
        .await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    answer.json()["passkeys"]
        .as_array()
        .expect("a list")
        .clone()
}

#[tokio::test]
async fn passkeys_are_listed_and_revoked_at_beyond_identity_by_their_owner_only() {
    let stack = Stack::start().await;
    let (_, alice) = enrolled_user(&stack.bi, "alice@example.com").await;
    let (_, bob) = enrolled_user(&stack.bi, "bob@example.com").await;
    let session = stack.sign_in(&alice).await;
    let bobs = stack.sign_in(&bob).await;

    let listed = passkeys_of(&stack, &session).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["id"].as_str(), alice.credential_id.as_deref());
    assert_eq!(listed[0]["state"], "ACTIVE");
    assert!(listed[0]["created_at"].is_string());
    let answer = stack
        .account_at(get("/api/auth/passkeys", &[]), now())
        .await;
    assert_eq!(error_of(&answer), (401, json!("unauthenticated")));
    // A list is read with GET (or HEAD) only.
    let answer = stack
        .account_at(post("/api/auth/passkeys", &[&session], "{}"), now())
        .await;
    assert_eq!(error_of(&answer), (405, json!("method_not_allowed")));
    let head = stack
        .account_at(
            event("HEAD", "/api/auth/passkeys", &[], &[&session], None),
            now(),
        )
        .await;
    assert_eq!(head.status(), 200);

    let revoke =
        |cookie: &str, body: Value| post("/api/auth/passkeys/revoke", &[cookie], &body.to_string());
    // Bob's passkey is not Alice's to revoke: 404, and it still signs Bob in.
    let bobs_id = bob.credential_id.clone().expect("bound");
    let answer = stack
        .account_at(
            revoke(&session, json!({"id": bobs_id, "confirm": true})),
            now(),
        )
        .await;
    assert_eq!(error_of(&answer), (404, json!("not_found")));
    assert_eq!(stack.try_passkey(&bob).await, 200);
    assert_eq!(passkeys_of(&stack, &bobs).await[0]["state"], "ACTIVE");

    // The last active passkey needs an explicit confirmation.
    let own = alice.credential_id.clone().expect("bound");
    let answer = stack
        .account_at(revoke(&session, json!({"id": own})), now())
        .await;
    assert_eq!(error_of(&answer), (409, json!("confirmation_required")));
    assert_eq!(passkeys_of(&stack, &session).await[0]["state"], "ACTIVE");
    // Too long after signing in: sign in again first.
    let answer = stack
        .account_at(
            revoke(&session, json!({"id": own, "confirm": true})),
            now() + 301,
        )
        .await;
    assert_eq!(error_of(&answer), (401, json!("reauthentication_required")));
    let answer = stack
        .account_at(revoke(&session, json!({"id": own, "confirm": true})), now())
        .await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    assert_eq!(answer.json()["passkey"]["state"], "REVOKED");
    let listed = passkeys_of(&stack, &session).await;
    assert_eq!(listed[0]["state"], "REVOKED");
    // A revoked passkey can no longer sign in.
    assert_ne!(stack.try_passkey(&alice).await, 200);
    // Revoking it again (no confirmation needed: it is active no longer) gives the same
    // answer and asks nothing of Beyond Identity: the credential is not updated again.
    let answer = stack
        .account_at(revoke(&session, json!({"id": own})), now())
        .await;
    assert_eq!(answer.status(), 200, "{:?}", answer.0);
    assert_eq!(answer.json()["passkey"]["state"], "REVOKED");
    assert_eq!(
        answer.json()["passkey"]["updated_at"],
        listed[0]["updated_at"]
    );
    assert_eq!(passkeys_of(&stack, &session).await, listed);
}

#[tokio::test]
async fn a_second_passkey_can_be_revoked_without_confirmation_and_binding_needs_a_recent_sign_in() {
    let stack = Stack::start().await;
    let (_, alice) = enrolled_user(&stack.bi, "alice@example.com").await;
    let session = stack.sign_in(&alice).await;
    let bind = post("/api/auth/bind-job", &[&session], "{}");
    let answer = stack.account_at(bind.clone(), now() + 301).await;
    assert_eq!(error_of(&answer), (401, json!("reauthentication_required")));
    let answer = stack.account_at(bind, now()).await;
    assert_eq!(answer.status(), 200);
    let mut second = Passkey::new();
    let link = answer.json()["credential_binding_link"]
        .as_str()
        .expect("link")
        .to_owned();
    assert_eq!(second.bind(&stack.bi, &link).await.0, 200);

    assert_eq!(passkeys_of(&stack, &session).await.len(), 2);
    let first = alice.credential_id.clone().expect("bound");
    let answer = stack
        .account_at(
            post(
                "/api/auth/passkeys/revoke",
                &[&session],
                &json!({"id": first}).to_string(),
            ),
            now(),
        )
        .await;
    assert_eq!(
        answer.status(),
        200,
        "another passkey stays active: {:?}",
        answer.0
    );
    assert_ne!(stack.try_passkey(&alice).await, 200);
    assert_eq!(stack.try_passkey(&second).await, 200);
}
