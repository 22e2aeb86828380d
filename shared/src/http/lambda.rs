//! Running a route on Lambda: `lambda_http`'s adapter, with every event made safe to
//! convert first.
//!
//! `lambda_http` 1.3 builds the request's URI from the event's path, query, `Host` header
//! (or the request context's domain name) and `X-Forwarded-Proto`, and unwraps each
//! parse: a character a URI may not hold raw in the path or query (a space, `"`, `{`, a
//! control character or a non-ASCII byte a client or a front door passed through
//! unencoded: aws-lambda-rust-runtime #461, #489, #515), a `Host` that is no host (`a b`
//! panics with `IdnaError`, `x:99999` with an invalid port), a scheme that is no scheme,
//! a path without its leading `/` (`:1` becomes a port), or a URI longer than `http`
//! accepts all panic. Built with `panic = "abort"`, any of them would end the warm
//! container: any client could force cold starts at will. So before conversion:
//!
//! - the path and query of an HTTP API / Function URL event (payload 2.0), which go into
//!   the URI as they are, have every byte a URI may not hold percent-encoded, as a
//!   browser would have (REST API and ALB events go through `url`, which encodes);
//! - every door's path starts with `/`;
//! - a `Host` header or domain name that is not a valid host (with an optional port) is
//!   dropped, and so is an `X-Forwarded-Proto` other than `http` or `https`: no route
//!   reads either, and the URI then has the request context's domain name, or none;
//! - a path and query longer than [`MAX_URI`] become [`TOO_LONG_PATH`], which every
//!   route answers with 414.
//!
//! The route then sees a normal request. The property test below holds every door's raw
//! event to this, whatever a client puts in those fields.

use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::http::header::HOST;
use lambda_http::http::{HeaderMap, HeaderName, HeaderValue};
use lambda_http::request::LambdaRequest;
use lambda_http::tower::ServiceExt as _;
use lambda_http::{Adapter, Error, IntoResponse, LambdaEvent, Request, Service};

/// The longest path and query kept (bytes). `http` refuses URIs of 64 KiB and more; no
/// route of ours has any use for more than a few hundred bytes, and CloudFront's own
/// limit on a request line is 8 KiB.
pub const MAX_URI: usize = 16 * 1024;

/// The path a request gets when its path and query are longer than [`MAX_URI`]. No route
/// lives there: `http::check_front_door`, every route's first check, answers 414.
pub const TOO_LONG_PATH: &str = "/.uri-too-long";

const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// Bytes a URI's path or query may hold as they are (RFC 3986's unreserved and
/// sub-delimiters, `:` `@` `/` `?`, and `%` of an existing escape).
fn allowed(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&byte)
}

/// `value` with every byte a URI may not hold percent-encoded (and `?` too, in a path).
fn encode(value: &str, in_path: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if allowed(byte) && !(in_path && byte == b'?') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A path that starts with `/`: without it, `lambda_http` appends the path to the host,
/// where `:1` would be a port and `@x` a user.
fn rooted(path: &mut Option<String>) {
    if let Some(value) = path
        && !value.starts_with('/')
    {
        value.insert(0, '/');
    }
}

/// Whether `value` is a host, with an optional port, that a URL can be built on exactly
/// (no user, path, query or fragment smuggled in, no host the URL parser refuses).
fn valid_host(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
        && url::Url::parse(&format!("https://{value}/")).is_ok()
}

/// Drops a `Host` or `X-Forwarded-Proto` that `lambda_http` could not build a URI with.
fn make_safe_headers(headers: &mut HeaderMap) {
    let text = |value: &HeaderValue| value.to_str().ok().map(str::to_owned);
    if headers
        .get(HOST)
        .is_some_and(|value| !text(value).is_some_and(|host| valid_host(&host)))
    {
        headers.remove(HOST);
    }
    if headers.get(&X_FORWARDED_PROTO).is_some_and(|value| {
        !text(value).is_some_and(|scheme| matches!(scheme.as_str(), "http" | "https"))
    }) {
        headers.remove(&X_FORWARDED_PROTO);
    }
}

fn make_safe_domain(domain: &mut Option<String>) {
    if domain.as_deref().is_some_and(|host| !valid_host(host)) {
        *domain = None;
    }
}

/// Replaces a path and query too long for a URI with [`TOO_LONG_PATH`].
fn bounded(path: &mut Option<String>, query_len: usize) -> bool {
    let too_long = path.as_deref().map_or(0, str::len) + query_len > MAX_URI;
    if too_long {
        *path = Some(TOO_LONG_PATH.to_owned());
    }
    too_long
}

/// The length of a REST API or ALB event's query string once `lambda_http` encodes it.
fn query_len(query: &QueryMap) -> usize {
    query.iter().map(|(k, v)| 3 * (k.len() + v.len()) + 2).sum()
}

/// Makes an event of any front door safe for `lambda_http` to convert, in place.
pub fn make_safe(request: &mut LambdaRequest) {
    match request {
        LambdaRequest::ApiGatewayV2(event) => {
            // Almost every event needs nothing: it is copied only when a byte must change.
            if let Some(path) = &mut event.raw_path
                && !path.bytes().all(|b| allowed(b) && b != b'?')
            {
                *path = encode(path, true);
            }
            if let Some(query) = &mut event.raw_query_string
                && !query.bytes().all(allowed)
            {
                *query = encode(query, false);
            }
            rooted(&mut event.raw_path);
            let query = event.raw_query_string.as_deref().map_or(0, str::len);
            if bounded(&mut event.raw_path, query) {
                event.raw_query_string = None;
            }
            make_safe_headers(&mut event.headers);
            make_safe_domain(&mut event.request_context.domain_name);
        }
        LambdaRequest::ApiGatewayV1(event) => {
            make_safe_v1(V1Parts {
                path: &mut event.path,
                query: &mut event.query_string_parameters,
                multi_value_query: &mut event.multi_value_query_string_parameters,
                headers: &mut event.headers,
                multi_value_headers: &mut event.multi_value_headers,
            });
            make_safe_domain(&mut event.request_context.domain_name);
        }
        LambdaRequest::Alb(event) => make_safe_v1(V1Parts {
            path: &mut event.path,
            query: &mut event.query_string_parameters,
            multi_value_query: &mut event.multi_value_query_string_parameters,
            headers: &mut event.headers,
            multi_value_headers: &mut event.multi_value_headers,
        }),
        _ => {}
    }
}

/// What a REST API and an ALB event share: a path, its query as single- and multi-value
/// maps, and the headers in both forms.
struct V1Parts<'a> {
    path: &'a mut Option<String>,
    query: &'a mut QueryMap,
    multi_value_query: &'a mut QueryMap,
    headers: &'a mut HeaderMap,
    multi_value_headers: &'a mut HeaderMap,
}

fn make_safe_v1(parts: V1Parts<'_>) {
    rooted(parts.path);
    let query = query_len(parts.query) + query_len(parts.multi_value_query);
    if bounded(parts.path, query) {
        *parts.query = QueryMap::default();
        *parts.multi_value_query = QueryMap::default();
    }
    make_safe_headers(parts.headers);
    make_safe_headers(parts.multi_value_headers);
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
        assert_eq!(encode("/api/auth/signin", true), "/api/auth/signin");
        assert_eq!(
            encode("callbackUrl=%2Fa&x=1?", false),
            "callbackUrl=%2Fa&x=1?"
        );
        assert_eq!(encode("/a?b", true), "/a%3Fb");
        assert_eq!(encode("a b\"{|}", false), "a%20b%22%7B%7C%7D");
        assert_eq!(encode("é\n", false), "%C3%A9%0A");
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

    use proptest::prelude::*;

    /// The finding of the security review: the release `session` binary, given an HTTP
    /// API event whose `host` is `a b`, panicked in `lambda_http` (`IdnaError`).
    #[test]
    fn a_host_that_is_no_host_is_dropped_and_the_domain_name_used() {
        let event = serde_json::json!({
            "version": "2.0", "routeKey": "$default", "rawPath": "/api/auth/session",
            "headers": {"host": "a b", "x-forwarded-proto": "gopher"}, "isBase64Encoded": false,
            "requestContext": {"http": {"method": "GET", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "t"},
                "accountId": "1", "apiId": "a", "domainName": "id.lambda-url.us-east-1.on.aws", "domainPrefix": "d", "requestId": "r", "routeKey": "$default", "stage": "$default", "time": "t", "timeEpoch": 0},
        });
        let mut request: LambdaRequest = serde_json::from_value(event).expect("an event");
        make_safe(&mut request);
        let request: Request = request.into();
        assert_eq!(
            request.uri().to_string(),
            "https://id.lambda-url.us-east-1.on.aws/api/auth/session"
        );
        assert!(request.headers().get(HOST).is_none());
    }

    #[test]
    fn valid_hosts_and_schemes_are_kept() {
        for host in [
            "app.example.com",
            "localhost:3000",
            "127.0.0.1:9000",
            "[::1]:8080",
        ] {
            assert!(valid_host(host), "{host}");
        }
        for host in [
            "",
            "a b",
            "x:99999",
            "u@h",
            "h/p",
            "h?q",
            "h#f",
            "999999999999",
            "é.fr",
        ] {
            assert!(!valid_host(host), "{host}");
        }
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static("app.example.com"));
        headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static("http"));
        make_safe_headers(&mut headers);
        assert_eq!(headers.len(), 2);
        headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static("ftp"));
        make_safe_headers(&mut headers);
        assert_eq!(headers.len(), 1);
        assert!(headers.get(HOST).is_some());
    }

    #[test]
    fn a_path_and_query_too_long_for_a_uri_become_the_too_long_path() {
        let mut path = Some("/a".to_owned());
        assert!(!bounded(&mut path, MAX_URI - 2));
        assert_eq!(path.as_deref(), Some("/a"));
        assert!(bounded(&mut path, MAX_URI - 1));
        assert_eq!(path.as_deref(), Some(TOO_LONG_PATH));
        let mut query = QueryMap::default();
        assert_eq!(query_len(&query), 0);
        query = "ab=c".parse().expect("a query");
        assert_eq!(query_len(&query), 11);
    }

    /// Strings a client can put in a header, a path or a query: hostile shapes first,
    /// then any text.
    fn hostile() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "a b",
                "",
                ":",
                ":99999",
                "@",
                "x@y",
                "[",
                "[::1",
                "999999999999",
                "xn--",
                "xn--a.b",
                "a..b",
                "http://x",
                "/",
                "\\",
                "#",
                "?",
                "%",
                "%zz",
                "a:b:c",
                "é.example",
                "localhost:3000",
                "app.example.com",
                "HTTPS",
                "https",
                "http",
                "1x",
                "a+b",
                "",
            ])
            .prop_map(str::to_owned),
            ".{0,40}",
            "[ -~]{0,40}",
        ]
    }

    fn door_events(
        host: &str,
        proto: &str,
        path: &str,
        query: &str,
        domain: &str,
    ) -> Vec<serde_json::Value> {
        let headers =
            serde_json::json!({"host": host, "x-forwarded-proto": proto, "user-agent": "p"});
        let multi =
            serde_json::json!({"host": [host], "x-forwarded-proto": [proto], "user-agent": ["p"]});
        let http_api = |domain: &str| {
            serde_json::json!({
                "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
                "headers": headers, "isBase64Encoded": false,
                "requestContext": {"http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "p"},
                    "accountId": "1", "apiId": "a", "domainName": domain, "domainPrefix": "d", "requestId": "r", "routeKey": "$default", "stage": "$default", "time": "t", "timeEpoch": 0},
            })
        };
        let rest_api = |stage: Option<&str>| {
            serde_json::json!({
                "resource": "/{proxy+}", "path": path, "httpMethod": "GET",
                "headers": headers, "multiValueHeaders": multi, "isBase64Encoded": false,
                "queryStringParameters": {"q": query}, "multiValueQueryStringParameters": {"q": [query]},
                "requestContext": {"accountId": "1", "resourceId": "r", "stage": stage, "requestId": "r", "domainName": domain,
                    "identity": {"sourceIp": "192.0.2.1"}, "resourcePath": "/{proxy+}", "httpMethod": "GET", "apiId": "a"},
            })
        };
        vec![
            http_api("a.execute-api.us-east-1.amazonaws.com"),
            http_api("abc123.lambda-url.us-east-1.on.aws"),
            // The domain name is the front door's, not the client's; a bad one (with a
            // bad Host, which it stands in for) must not abort either.
            http_api(domain),
            // A REST API's path has its stage in front, unless the function is told to
            // leave it out (AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH), as without a stage.
            rest_api(Some("prod")),
            rest_api(None),
            serde_json::json!({
                "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/1"}},
                "httpMethod": "GET", "path": path, "headers": headers, "queryStringParameters": {"q": query},
                "body": "", "isBase64Encoded": false,
            }),
            serde_json::json!({
                "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/1"}},
                "httpMethod": "GET", "path": path, "multiValueHeaders": multi, "multiValueQueryStringParameters": {"q": [query]},
                "body": "", "isBase64Encoded": false,
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
        #[test]
        fn no_raw_event_of_any_front_door_panics_in_conversion(host in hostile(), proto in hostile(), path in hostile(), query in hostile(), domain in hostile()) {
            for event in door_events(&host, &proto, &path, &query, &domain) {
                // An event whose headers are not HTTP header values fails to deserialize:
                // the runtime reports that error, and nothing panics.
                let Ok(mut request) = serde_json::from_value::<LambdaRequest>(event) else { continue };
                make_safe(&mut request);
                let converted = std::panic::catch_unwind(move || Request::from(request));
                prop_assert!(converted.is_ok(), "conversion panicked: host {host:?} proto {proto:?} path {path:?} query {query:?}");
            }
        }
    }
}
