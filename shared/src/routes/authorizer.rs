//! The session as an API Gateway Lambda authorizer, for the team's own routes: the
//! `authorizer` function.
//!
//! Two event shapes, told apart by the event itself and read with `aws_lambda_events`'
//! request types (an event that does not parse as its shape is denied):
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

use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerRequestTypeRequest, ApiGatewayV2CustomAuthorizerV2Request,
};
use lambda_http::http::{HeaderMap, HeaderValue, header};
use passkey_verifier::{DynamoRecords, SessionRecords, SignedIn, Verifier};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::{CookieValue, cookie};
use crate::session::SESSION_COOKIE;

/// What the authorizer decided, before it is shaped for the event's kind.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    Allow { principal: String, context: Context },
    Deny,
}

/// What the integration is told of the session: nothing when denied.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
struct Context {
    #[serde(flatten)]
    session: Option<SessionContext>,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
struct SessionContext {
    sub: String,
    email: String,
    name: String,
    session: String,
}

/// The two event shapes this authorizer answers.
enum Kind {
    /// HTTP API, payload 2.0, simple responses.
    HttpApi,
    /// REST API `REQUEST` authorizer, with the stage ARN its policy allows.
    RestApi { stage_arn: String },
}

/// An HTTP API simple response.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SimpleResponse {
    is_authorized: bool,
    context: Context,
}

/// A REST API authorizer's IAM policy. (aws_lambda_events' own response type also writes
/// `"usageIdentifierKey": null`, which API Gateway's documented output never has.)
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyResponse<'a> {
    principal_id: &'a str,
    policy_document: PolicyDocument<'a>,
    context: Context,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyDocument<'a> {
    version: &'static str,
    statement: [Statement<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Statement<'a> {
    action: &'static str,
    effect: &'static str,
    resource: &'a str,
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
        let Some((kind, cookies)) = read(event) else {
            tracing::warn!("an event that is no API Gateway authorizer request; denied");
            return answer(&Kind::HttpApi, Decision::Deny);
        };
        let decision = self.decide(&cookies, now).await;
        answer(&kind, decision)
    }

    async fn decide(&self, headers: &HeaderMap, now: i64) -> Decision {
        let CookieValue::One(value) = cookie(headers, SESSION_COOKIE) else {
            return Decision::Deny;
        };
        match self.verifier.user_of_cookie(&value, now).await {
            Ok(Some(SignedIn { user, session, .. })) => Decision::Allow {
                context: Context {
                    session: Some(SessionContext {
                        sub: user.subject.clone(),
                        email: user.email.unwrap_or_default(),
                        name: user.name.unwrap_or_default(),
                        session,
                    }),
                },
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

/// The event's kind and its cookies (as `Cookie` headers), read with aws_lambda_events'
/// request types; `None` for an event of neither shape.
fn read(event: &Value) -> Option<(Kind, HeaderMap)> {
    let mut cookies = HeaderMap::new();
    if event.get("version").and_then(Value::as_str) == Some("2.0") {
        let request = ApiGatewayV2CustomAuthorizerV2Request::deserialize(event).ok()?;
        if request.type_.as_deref() != Some("REQUEST") {
            return None;
        }
        for value in &request.cookies {
            if let Ok(value) = HeaderValue::from_str(value) {
                cookies.append(header::COOKIE, value);
            }
        }
        return Some((Kind::HttpApi, cookies));
    }
    let request = ApiGatewayCustomAuthorizerRequestTypeRequest::deserialize(event).ok()?;
    if request.type_.as_deref() != Some("REQUEST") {
        return None;
    }
    let stage_arn = stage_arn(request.method_arn.as_deref()?)?;
    // `multiValueHeaders` holds every `Cookie` header; `headers` only the last.
    let source = if request.multi_value_headers.contains_key(header::COOKIE) {
        &request.multi_value_headers
    } else {
        &request.headers
    };
    for value in source.get_all(header::COOKIE) {
        cookies.append(header::COOKIE, value.clone());
    }
    Some((Kind::RestApi { stage_arn }, cookies))
}

/// `arn:{partition}:execute-api:{region}:{account}:{api}/{stage}/{method}/{path…}` → the
/// stage's ARN with every method and path (`…/{api}/{stage}/*/*`).
fn stage_arn(method_arn: &str) -> Option<String> {
    let mut fields = method_arn.splitn(6, ':');
    let (arn, partition, service) = (fields.next()?, fields.next()?, fields.next()?);
    let (region, account, resource) = (fields.next()?, fields.next()?, fields.next()?);
    let mut path = resource.splitn(3, '/');
    let (api, stage) = (path.next()?, path.next()?);
    let well_formed =
        arn == "arn" && service == "execute-api" && !api.is_empty() && !stage.is_empty();
    well_formed.then(|| format!("arn:{partition}:execute-api:{region}:{account}:{api}/{stage}/*/*"))
}

fn answer(kind: &Kind, decision: Decision) -> Value {
    let allowed = matches!(decision, Decision::Allow { .. });
    let (principal, context) = match decision {
        Decision::Allow { principal, context } => (principal, context),
        Decision::Deny => ("anonymous".to_owned(), Context::default()),
    };
    let answer = match kind {
        Kind::HttpApi => serde_json::to_value(SimpleResponse {
            is_authorized: allowed,
            context,
        }),
        Kind::RestApi { stage_arn } => serde_json::to_value(PolicyResponse {
            principal_id: &principal,
            policy_document: PolicyDocument {
                version: "2012-10-17",
                statement: [Statement {
                    action: "execute-api:Invoke",
                    effect: if allowed { "Allow" } else { "Deny" },
                    resource: stage_arn,
                }],
            },
            context,
        }),
    };
    // Structs of strings and a bool always serialise; were one not to, `null` is no
    // answer API Gateway accepts, and it refuses the request.
    answer.unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::stage_arn;

    #[test]
    fn a_method_arn_becomes_its_stage_with_every_method_and_path() {
        assert_eq!(
            stage_arn("arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/app/page")
                .as_deref(),
            Some("arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*")
        );
    }

    #[test]
    fn a_malformed_method_arn_has_no_stage() {
        for malformed in [
            "urn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/",
            "arn:aws:lambda:eu-west-1:123456789012:abc123/prod/GET/",
            "arn:aws:execute-api:eu-west-1:123456789012:/prod/GET/",
            "arn:aws:execute-api:eu-west-1:123456789012:abc123//GET/",
            "arn:aws:execute-api:eu-west-1:123456789012:abc123",
            "arn:aws:execute-api:eu-west-1",
        ] {
            assert_eq!(stage_arn(malformed), None, "{malformed}");
        }
    }
}
