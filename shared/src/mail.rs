//! The product's own mail, for what Beyond Identity's cannot carry: Beyond Identity emails
//! only credential binding links, each of which binds a passkey to an account, so a link
//! that must grant nothing (confirming a new address) and a notice (to the address an
//! account left) go by Amazon SES (API v2 `SendEmail`), from `AUTH_EMAIL_FROM`, a sender
//! SES has verified. Without that setting there is no mail, and what needs it (changing
//! the address) is not offered. Plain text, English, no tracking.

use std::time::Duration;

use aws_config::SdkConfig;
use serde_json::json;

use crate::config::Env;
use crate::outbound::aws_json::{AwsCallError, AwsJsonApi, SES};

/// The longest a request waits for SES to take a message.
const SEND_TIMEOUT: Duration = Duration::from_secs(3);

/// SES's API, with the sender.
#[derive(Clone)]
pub struct Mailer {
    from: String,
    api: AwsJsonApi,
}

impl Mailer {
    /// A mailer from `from` (`AUTH_EMAIL_FROM`; none without it), with the function's AWS
    /// configuration; `AWS_ENDPOINT_URL_SESV2` (or `AWS_ENDPOINT_URL`) moves the API, as for
    /// the AWS SDKs.
    pub fn from_config(
        from: Option<&str>,
        env: &Env,
        aws: &SdkConfig,
    ) -> Result<Option<Self>, AwsCallError> {
        let Some(from) = from else {
            return Ok(None);
        };
        let endpoint = env
            .var("AWS_ENDPOINT_URL_SESV2")
            .or_else(|| env.var("AWS_ENDPOINT_URL"));
        Ok(Some(Self {
            from: from.to_owned(),
            api: AwsJsonApi::new(aws, SES, endpoint, SEND_TIMEOUT)?,
        }))
    }

    /// Sends one plain-text message to `to`.
    pub async fn send(&self, to: &str, subject: &str, text: &str) -> Result<(), AwsCallError> {
        let message = json!({
            "FromEmailAddress": self.from,
            "Destination": { "ToAddresses": [to] },
            "Content": { "Simple": {
                "Subject": { "Data": subject, "Charset": "UTF-8" },
                "Body": { "Text": { "Data": text, "Charset": "UTF-8" } },
            }},
        });
        self.api
            .post("/v2/email/outbound-emails", &message)
            .await
            .map(drop)
    }
}
