//! Calls to AWS JSON APIs signed with SigV4 (`aws-sigv4`, already in the AWS SDK's tree),
//! with the function's region and credentials: Parameter Store's `GetParameters` at cold
//! start and EventBridge's `PutEvents` (`X-Amz-Target` operations), SES's `SendEmail` (a
//! REST path), without an SDK crate for each (every function stays lighter, and starts
//! faster: `make bench`).

use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::provider::{ProvideCredentials as _, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use serde_json::Value;

/// Why a call failed, in words that never hold a value of the request.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AwsCallError {
    #[error("no AWS credentials: {0}")]
    Credentials(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("did not answer in time")]
    Timeout,
    /// The API's answer: its status and the error type it names.
    #[error("{status}: {kind}")]
    Refused { status: u16, kind: String },
}

/// An AWS service as these calls need it.
#[derive(Clone, Copy, Debug)]
pub struct Service {
    /// The name requests are signed for.
    pub signing_name: &'static str,
    /// The endpoint's host is `{host_prefix}.{region}.amazonaws.com`.
    pub host_prefix: &'static str,
    pub content_type: &'static str,
}

pub const SSM: Service = Service {
    signing_name: "ssm",
    host_prefix: "ssm",
    content_type: "application/x-amz-json-1.1",
};
pub const EVENTBRIDGE: Service = Service {
    signing_name: "events",
    host_prefix: "events",
    content_type: "application/x-amz-json-1.1",
};
/// SES's API version 2 (REST, with JSON bodies).
pub const SES: Service = Service {
    signing_name: "ses",
    host_prefix: "email",
    content_type: "application/json",
};

/// One AWS JSON API of one region.
#[derive(Clone)]
pub struct AwsJsonApi {
    endpoint: String,
    region: String,
    service: Service,
    credentials: SharedCredentialsProvider,
    http: reqwest::Client,
}

impl AwsJsonApi {
    /// The API of `service` in the configuration's region, at `endpoint` if given (a
    /// local server), else `https://{host_prefix}.{region}.amazonaws.com`. Every call
    /// gives up after `timeout`.
    pub fn new(
        aws: &SdkConfig,
        service: Service,
        endpoint: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, AwsCallError> {
        let region = aws
            .region()
            .map(|r| r.as_ref().to_owned())
            .ok_or_else(|| AwsCallError::Unavailable("no AWS region".into()))?;
        let credentials = aws
            .credentials_provider()
            .ok_or_else(|| AwsCallError::Credentials("no credentials provider".into()))?;
        let http = crate::outbound::client_builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(1)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| AwsCallError::Unavailable(e.to_string()))?;
        let endpoint = match endpoint {
            Some(endpoint) => endpoint.trim_end_matches('/').to_owned(),
            None => format!("https://{}.{region}.amazonaws.com", service.host_prefix),
        };
        Ok(Self {
            endpoint,
            region,
            service,
            credentials,
            http,
        })
    }

    /// Sends `body` to the operation `target` (`AmazonSSM.GetParameters`); the answer's
    /// JSON, or the error the API named.
    pub async fn call(&self, target: &str, body: &Value) -> Result<Value, AwsCallError> {
        self.send("/", Some(target), body).await
    }

    /// POSTs `body` to `path` of a REST API (`/v2/email/outbound-emails`).
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, AwsCallError> {
        self.send(path, None, body).await
    }

    async fn send(
        &self,
        path: &str,
        target: Option<&str>,
        body: &Value,
    ) -> Result<Value, AwsCallError> {
        let identity = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| AwsCallError::Credentials(e.to_string()))?
            .into();
        let body =
            serde_json::to_vec(body).map_err(|e| AwsCallError::Unavailable(e.to_string()))?;
        let url = format!("{}{path}", self.endpoint);
        let mut headers = vec![("content-type", self.service.content_type)];
        if let Some(target) = target {
            headers.push(("x-amz-target", target));
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(self.service.signing_name)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| AwsCallError::Unavailable(e.to_string()))?
            .into();
        let signable = SignableRequest::new(
            "POST",
            url.as_str(),
            headers.iter().copied(),
            SignableBody::Bytes(&body),
        )
        .map_err(|e| AwsCallError::Unavailable(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| AwsCallError::Unavailable(e.to_string()))?
            .into_parts();
        let mut call = self.http.post(&url);
        for (name, value) in headers.into_iter().chain(instructions.headers()) {
            call = call.header(name, value);
        }
        let response = call.body(body).send().await.map_err(|e| {
            if e.is_timeout() {
                AwsCallError::Timeout
            } else {
                AwsCallError::Unavailable(e.without_url().to_string())
            }
        })?;
        let status = response.status();
        let kind_header = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            // The error's type only (`__type`, or a REST API's `x-amzn-ErrorType`): never
            // a message, which may echo the request.
            let kind = answer["__type"]
                .as_str()
                .or(kind_header.as_deref())
                .map_or_else(|| "no error type".to_owned(), error_type);
            return Err(AwsCallError::Refused {
                status: status.as_u16(),
                kind,
            });
        }
        Ok(answer)
    }
}

/// The bare name of an AWS error type: `com.amazonaws.ssm#ParameterNotFound` and
/// `MessageRejected:http://internal.amazon.com/coral/…` name `ParameterNotFound` and
/// `MessageRejected`.
fn error_type(raw: &str) -> String {
    let name = raw.rsplit('#').next().unwrap_or(raw);
    name.split(':').next().unwrap_or(name).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_type_is_named_without_its_namespace_or_link() {
        assert_eq!(
            error_type("com.amazonaws.ssm#ParameterNotFound"),
            "ParameterNotFound"
        );
        assert_eq!(
            error_type("MessageRejected:http://internal.amazon.com/coral/com.amazon.ses/"),
            "MessageRejected"
        );
        assert_eq!(
            error_type("ResourceNotFoundException"),
            "ResourceNotFoundException"
        );
    }
}
