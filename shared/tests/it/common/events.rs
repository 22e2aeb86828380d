//! The team's side of the account's events, on the moto server the tests use: an
//! EventBridge bus, and a rule that sends what comes to it (source `passkey-auth`) to an
//! SQS queue, which the test reads. Set up through the services' JSON APIs, as the AWS CLI
//! would; moto checks no signature.

use serde_json::{Value, json};

pub struct EventProbe {
    endpoint: String,
    pub bus: String,
    queue_url: String,
}

async fn call(endpoint: &str, service: &str, target: &str, version: &str, body: Value) -> Value {
    let answer = bi_local::sdk::http()
        .post(format!("{endpoint}/"))
        .header("content-type", format!("application/x-amz-json-{version}"))
        .header("x-amz-target", target)
        .header(
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/{service}/aws4_request, \
                 SignedHeaders=host, Signature=0"
            ),
        )
        .json(&body)
        .send()
        .await
        .expect("moto answers");
    assert!(
        answer.status().is_success(),
        "{target}: {}",
        answer.status()
    );
    answer.json().await.expect("json")
}

async fn events(endpoint: &str, operation: &str, body: Value) -> Value {
    let target = format!("AWSEvents.{operation}");
    call(endpoint, "events", &target, "1.1", body).await
}

impl EventProbe {
    /// A new bus named `bus` and its queue on the moto server at `endpoint`.
    pub async fn create(endpoint: &str, bus: &str) -> Self {
        events(endpoint, "CreateEventBus", json!({"Name": bus})).await;
        let queue = call(
            endpoint,
            "sqs",
            "AmazonSQS.CreateQueue",
            "1.0",
            json!({"QueueName": bus}),
        )
        .await;
        let queue_url = queue["QueueUrl"].as_str().expect("a queue").to_owned();
        events(
            endpoint,
            "PutRule",
            json!({
                "Name": "to-the-queue",
                "EventBusName": bus,
                "EventPattern": json!({"source": ["passkey-auth"]}).to_string(),
            }),
        )
        .await;
        events(
            endpoint,
            "PutTargets",
            json!({
                "Rule": "to-the-queue",
                "EventBusName": bus,
                "Targets": [{"Id": "queue", "Arn": format!("arn:aws:sqs:us-east-1:123456789012:{bus}")}],
            }),
        )
        .await;
        Self {
            endpoint: endpoint.to_owned(),
            bus: bus.to_owned(),
            queue_url,
        }
    }

    /// Every event delivered since the last call, oldest first, as EventBridge delivers
    /// them (`source`, `detail-type`, `detail`, …).
    pub async fn received(&self) -> Vec<Value> {
        let mut events = Vec::new();
        loop {
            let answer = call(
                &self.endpoint,
                "sqs",
                "AmazonSQS.ReceiveMessage",
                "1.0",
                json!({"QueueUrl": self.queue_url, "MaxNumberOfMessages": 10}),
            )
            .await;
            let Some(messages) = answer["Messages"].as_array().filter(|m| !m.is_empty()) else {
                return events;
            };
            for message in messages {
                let body = message["Body"].as_str().expect("a body");
                events.push(serde_json::from_str(body).expect("an event"));
                call(
                    &self.endpoint,
                    "sqs",
                    "AmazonSQS.DeleteMessage",
                    "1.0",
                    json!({"QueueUrl": self.queue_url, "ReceiptHandle": message["ReceiptHandle"]}),
                )
                .await;
            }
        }
    }

    /// The details of the events received, of the given type.
    pub async fn details(&self, detail_type: &str) -> Vec<Value> {
        self.received()
            .await
            .into_iter()
            .filter(|e| e["detail-type"] == detail_type)
            .map(|e| e["detail"].clone())
            .collect()
    }
}
