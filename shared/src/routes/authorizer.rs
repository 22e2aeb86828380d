//! The session as an API Gateway Lambda authorizer, for the team's own routes: the
//! `authorizer` function.
//!
//! Two event shapes, told apart by the event itself:
//!
//! - **HTTP API, payload 2.0, simple responses** (`"version": "2.0"`): the cookies arrive in
//!   `cookies`; the answer is `{"isAuthorized", "context"}`.
//! - **REST API, `REQUEST` authorizer** (`"type": "REQUEST"` with a `methodArn`): the
//!   cookies arrive in the `Cookie` header(s); the answer is an IAM policy for the API's
//!   stage (`…/<api>/<stage>/*/*`, so that a cached answer serves every route of the
//!   stage) with the same context.
//!
//! A live session allows, with the context `sub`, `email`, `name` (empty strings when
//! unknown) and `session` (the session's public id, as the account page shows it), which
//! the integration reads as `$context.authorizer.<name>` (REST) or
//! `event.requestContext.authorizer.lambda.<name>` (HTTP API). Everything else denies: no
//! cookie, two session cookies, a malformed, unknown, expired or revoked session, an event
//! of neither shape, and a session table that cannot be reached (never an allow on a
//! guess). The check is the session verifier's (`passkey_verifier::Verifier`), the same
//! one read as `/api/auth/session`: the authorizer holds the read path and nothing more.
//!
//! API Gateway may cache the answer per identity source: with `Cookie` as the identity
//! source, the cache key is the whole cookie header, so one browser's answer never serves
//! another. A cached allow outlives a revocation by at most the cache's TTL (the template
//! sets 0 by default; see docs/authorizer-and-verifier.md).

use lambda_http::http::{HeaderMap, HeaderValue, header};
use passkey_verifier::{DynamoRecords, SessionRecords, SignedIn, Verifier};
use serde_json::{Value, json};

use crate::http::{CookieValue, cookie};
use crate::session::SESSION_COOKIE;

/// What the authorizer decided, before it is shaped for the event's kind.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    Allow { principal: String, context: Value },
    Deny,
}

/// The two event shapes this authorizer answers.
enum Kind {
    /// HTTP API, payload 2.0, simple responses.
    HttpApi,
    /// REST API `REQUEST` authorizer, with the stage ARN its policy allows.
    RestApi { stage_arn: String },
}

pub struct Authorizer<R = DynamoRecords> {
    verifier: Verifier<R>,
}

impl<R: SessionRecords> Authorizer<R> {
    pub fn new(verifier: Verifier<R>) -> Self {
        Self { verifier }
    }

    /// The authorizer's answer to one API Gateway event.
    pub async fn handle(&self, event: &Value, now: i64) -> Value {
        let Some(kind) = kind_of(event) else {
            tracing::warn!("an event that is no API Gateway authorizer request; denied");
            return json!({"isAuthorized": false, "context": {}});
        };
        let decision = self.decide(&cookies_of(event, &kind), now).await;
        answer(&kind, decision)
    }

    async fn decide(&self, headers: &HeaderMap, now: i64) -> Decision {
        let CookieValue::One(value) = cookie(headers, SESSION_COOKIE) else {
            return Decision::Deny;
        };
        match self.verifier.user_of_cookie(&value, now).await {
            Ok(Some(SignedIn { user, session, .. })) => Decision::Allow {
                context: json!({
                    "sub": user.subject,
                    "email": user.email.unwrap_or_default(),
                    "name": user.name.unwrap_or_default(),
                    "session": session,
                }),
                principal: user.subject,
            },
            Ok(None) => Decision::Deny,
            Err(error) => {
                tracing::error!(%error, "the session table cannot be reached; denied");
                Decision::Deny
            }
        }
    }
}

fn kind_of(event: &Value) -> Option<Kind> {
    if event["type"] != "REQUEST" {
        return None;
    }
    if event["version"] == "2.0" {
        return Some(Kind::HttpApi);
    }
    // arn:{partition}:execute-api:{region}:{account}:{api}/{stage}/{method}/{path…}
    let mut fields = event["methodArn"].as_str()?.splitn(6, ':');
    let (arn, partition, service) = (fields.next()?, fields.next()?, fields.next()?);
    let (region, account, resource) = (fields.next()?, fields.next()?, fields.next()?);
    let mut path = resource.splitn(3, '/');
    let (api, stage) = (path.next()?, path.next()?);
    let well_formed =
        arn == "arn" && service == "execute-api" && !api.is_empty() && !stage.is_empty();
    well_formed.then(|| Kind::RestApi {
        stage_arn: format!("arn:{partition}:execute-api:{region}:{account}:{api}/{stage}/*/*"),
    })
}

/// The event's cookies as one header map, whichever shape carried them.
fn cookies_of(event: &Value, kind: &Kind) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let mut add = |value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.append(header::COOKIE, value);
        }
    };
    match kind {
        Kind::HttpApi => {
            for c in event["cookies"].as_array().into_iter().flatten() {
                add(c.as_str().unwrap_or_default());
            }
        }
        Kind::RestApi { .. } => {
            // `multiValueHeaders` holds every `Cookie` header; `headers` only the last.
            let multi = event["multiValueHeaders"].as_object();
            let single = event["headers"].as_object();
            let source = multi.filter(|m| m.keys().any(|k| k.eq_ignore_ascii_case("cookie")));
            match source {
                Some(multi) => {
                    for (name, values) in multi {
                        if name.eq_ignore_ascii_case("cookie") {
                            for v in values.as_array().into_iter().flatten() {
                                add(v.as_str().unwrap_or_default());
                            }
                        }
                    }
                }
                None => {
                    for (name, value) in single.into_iter().flatten() {
                        if name.eq_ignore_ascii_case("cookie") {
                            add(value.as_str().unwrap_or_default());
                        }
                    }
                }
            }
        }
    }
    headers
}

fn answer(kind: &Kind, decision: Decision) -> Value {
    match (kind, decision) {
        (Kind::HttpApi, Decision::Allow { context, .. }) => {
            json!({"isAuthorized": true, "context": context})
        }
        (Kind::HttpApi, Decision::Deny) => json!({"isAuthorized": false, "context": {}}),
        (Kind::RestApi { stage_arn }, Decision::Allow { principal, context }) => {
            policy(&principal, "Allow", stage_arn, context)
        }
        (Kind::RestApi { stage_arn }, Decision::Deny) => {
            policy("anonymous", "Deny", stage_arn, json!({}))
        }
    }
}

fn policy(principal: &str, effect: &str, resource: &str, context: Value) -> Value {
    json!({
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{
                "Action": "execute-api:Invoke",
                "Effect": effect,
                "Resource": resource,
            }],
        },
        "context": context,
    })
}
