//! Calls to AWS JSON APIs (`X-Amz-Target`) signed with SigV4 (`aws-sigv4`, already in the
//! AWS SDK's tree), with the function's region and credentials: Parameter Store's
//! `GetParameters` at cold start and EventBridge's `PutEvents`, without an SDK crate for
//! each (every function stays lighter, and starts faster: `make bench`).

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

/// One AWS JSON API of one region: its endpoint, its signing name, its protocol version.
#[derive(Clone)]
pub struct AwsJsonApi {
    endpoint: String,
    region: String,
    signing_name: &'static str,
    content_type: &'static str,
    credentials: SharedCredentialsProvider,
    http: reqwest::Client,
}

impl AwsJsonApi {
    /// The API of `signing_name` (`ssm`, `events`) in the configuration's region, at
    /// `endpoint` if given (a local server), else `https://{signing_name}.{region}.amazonaws.com`.
    /// Every call gives up after `timeout`.
    pub fn new(
        aws: &SdkConfig,
        signing_name: &'static str,
        content_type: &'static str,
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
        Ok(Self {
            endpoint: endpoint
                .map(|e| e.trim_end_matches('/').to_owned())
                .unwrap_or_else(|| format!("https://{signing_name}.{region}.amazonaws.com")),
            region,
            signing_name,
            content_type,
            credentials,
            http,
        })
    }

    /// Sends `body` to the operation `target` (`AmazonSSM.GetParameters`); the answer's
    /// JSON, or the error the API named.
    pub async fn call(&self, target: &str, body: &Value) -> Result<Value, AwsCallError> {
        let identity = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| AwsCallError::Credentials(e.to_string()))?
            .into();
        let body =
            serde_json::to_vec(body).map_err(|e| AwsCallError::Unavailable(e.to_string()))?;
        let url = format!("{}/", self.endpoint);
        let headers = [
            ("content-type", self.content_type),
            ("x-amz-target", target),
        ];
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(self.signing_name)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| AwsCallError::Unavailable(e.to_string()))?
            .into();
        let signable = SignableRequest::new(
            "POST",
            url.as_str(),
            headers.into_iter(),
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
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            // The error's type only (`__type`): never a message, which may echo the request.
            let kind = answer["__type"]
                .as_str()
                .map(|t| t.rsplit('#').next().unwrap_or(t))
                .unwrap_or("no error type")
                .to_owned();
            return Err(AwsCallError::Refused {
                status: status.as_u16(),
                kind,
            });
        }
        Ok(answer)
    }
}
