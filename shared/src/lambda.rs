//! Running a route on Lambda: `lambda_http`'s adapter, with every event made safe to
//! convert first.
//!
//! `lambda_http` builds the request's URI from the event's raw path and query string, and
//! panics (`failed to build request: InvalidUri(InvalidUriChar)`) on a character a URI
//! may not hold raw: a space, `"`, `{`, `|`, a control character or a non-ASCII byte that
//! a client or a front door passed through unencoded (aws-lambda-rust-runtime #461, #489,
//! #515; aws-lambda-web-adapter #491). Built with `panic = "abort"`, that would end the
//! warm container: any client could force cold starts at will. So each such byte is
//! percent-encoded first, as a browser would have; the route then sees a normal request.

use lambda_http::request::LambdaRequest;
use lambda_http::tower::ServiceExt as _;
use lambda_http::{Adapter, Error, IntoResponse, LambdaEvent, Request, Service};

/// Bytes a URI's path or query may hold as they are (RFC 3986's unreserved and
/// sub-delimiters, `:` `@` `/` `?`, and `%` of an existing escape).
fn allowed(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&byte)
}

/// `value` with every byte a URI may not hold percent-encoded.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if allowed(byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn make_safe_field(field: &mut Option<String>) {
    if let Some(value) = field
        && !value.bytes().all(allowed)
    {
        *value = encode(value);
    }
}

/// Encodes what `lambda_http` would otherwise refuse with a panic, in place. Only the
/// HTTP API / Function URL event (payload 2.0) needs it: its raw path and query go into
/// the URI as they are, while REST API and ALB events are built through `url`, which
/// encodes (the tests hold all three to that).
pub fn make_safe(request: &mut LambdaRequest) {
    if let LambdaRequest::ApiGatewayV2(event) = request {
        make_safe_field(&mut event.raw_path);
        make_safe_field(&mut event.raw_query_string);
    }
}

/// `lambda_http::run`, with [`make_safe`] before each event is converted.
pub async fn run<'a, R, S, E>(handler: S) -> Result<(), Error>
where
    S: Service<Request, Response = R, Error = E>,
    S::Future: Send + 'a,
    R: IntoResponse,
    E: std::fmt::Debug + Into<lambda_http::lambda_runtime::Diagnostic>,
{
    let service = Adapter::from(handler).map_request(|mut event: LambdaEvent<LambdaRequest>| {
        make_safe(&mut event.payload);
        event
    });
    lambda_http::lambda_runtime::run(service).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_a_uri_cannot_hold_is_encoded() {
        assert_eq!(encode("/api/auth/signin"), "/api/auth/signin");
        assert_eq!(encode("callbackUrl=%2Fa&x=1"), "callbackUrl=%2Fa&x=1");
        assert_eq!(encode("a b\"{|}"), "a%20b%22%7B%7C%7D");
        assert_eq!(encode("é\n"), "%C3%A9%0A");
    }

    #[test]
    fn any_event_converts_without_panic_after_it_is_made_safe() {
        let event = serde_json::json!({
            "version": "2.0", "routeKey": "$default",
            "rawPath": "/api/auth/session \"{x}\"", "rawQueryString": "a=\"b c\"&d={e}|\u{7f}é",
            "headers": {}, "isBase64Encoded": false,
            "requestContext": {"http": {"method": "GET", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "t"},
                "accountId": "1", "apiId": "a", "domainName": "d", "domainPrefix": "d", "requestId": "r", "routeKey": "$default", "stage": "$default", "time": "t", "timeEpoch": 0},
        });
        let mut request: LambdaRequest = serde_json::from_value(event).expect("an event");
        make_safe(&mut request);
        let request: Request = request.into();
        assert_eq!(request.uri().path(), "/api/auth/session%20%22%7Bx%7D%22");
    }

    #[test]
    fn rest_api_and_alb_events_convert_safely_as_they_are() {
        let rest = serde_json::json!({
            "resource": "/{proxy+}", "path": "/api/auth/session x", "httpMethod": "GET",
            "headers": {}, "multiValueHeaders": {}, "isBase64Encoded": false,
            "requestContext": {"accountId": "1", "resourceId": "r", "stage": "prod", "requestId": "r",
                "identity": {"sourceIp": "192.0.2.1"}, "resourcePath": "/{proxy+}", "httpMethod": "GET", "apiId": "a"},
        });
        let alb = serde_json::json!({
            "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/1"}},
            "httpMethod": "GET", "path": "/api/auth/session {x}", "headers": {}, "body": "", "isBase64Encoded": false,
        });
        for (event, expected) in [
            (rest, "/prod/api/auth/session%20x"),
            (alb, "/api/auth/session%20%7Bx%7D"),
        ] {
            let mut request: LambdaRequest = serde_json::from_value(event).expect("an event");
            make_safe(&mut request);
            let request: Request = request.into();
            assert_eq!(request.uri().path(), expected);
        }
    }
}
