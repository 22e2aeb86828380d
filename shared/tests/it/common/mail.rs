//! The product's own mail as the tests read it: what moto's SES (the server that also
//! holds the table) was asked to send, from its model data.

use serde_json::Value;

/// A message SES took: its subject and text.
#[derive(Clone, Debug)]
pub struct Mail {
    pub subject: String,
    pub text: String,
}

impl Mail {
    /// The value of `name` in the first link of the text that has it in its query.
    pub fn link_query(&self, name: &str) -> Option<String> {
        self.text
            .split_whitespace()
            .filter_map(|word| url::Url::parse(word).ok())
            .find_map(|link| {
                link.query_pairs()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.into_owned())
            })
    }
}

/// Every message sent to `address`, oldest first.
pub async fn mails_to(endpoint: &str, address: &str) -> Vec<Mail> {
    let data: Value = bi_local::sdk::http()
        .get(format!("{endpoint}/moto-api/data.json"))
        .send()
        .await
        .expect("moto answers")
        .json()
        .await
        .expect("json");
    data["ses"]["Message"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| {
            m["destinations"]["ToAddresses"]
                .as_array()
                .is_some_and(|to| to.iter().any(|a| a == address))
        })
        .map(|m| Mail {
            subject: m["subject"].as_str().unwrap_or_default().to_owned(),
            text: m["body"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// Has moto's SES know `sender`, as a deployment has SES verify it: it refuses mail from
/// an identity it does not know. Known already is fine.
pub async fn verify_sender(endpoint: &str, sender: &str) {
    let answer = bi_local::sdk::http()
        .post(format!("{endpoint}/v2/email/identities"))
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/ses/aws4_request, \
             SignedHeaders=host, Signature=0",
        )
        .json(&serde_json::json!({ "EmailIdentity": sender }))
        .send()
        .await
        .expect("moto answers");
    let status = answer.status().as_u16();
    assert!(
        status == 200 || status == 400,
        "CreateEmailIdentity: {status}"
    );
}
