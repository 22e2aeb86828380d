//! Publishing to EventBridge: one signed `AWSEvents.PutEvents` call per request that has
//! events to report ([`AwsJsonApi`]), within [`PUBLISH_BUDGET`].

use std::time::Duration;

use aws_config::SdkConfig;
use serde_json::{Value, json};

use super::{Event, SOURCE, What};
use crate::config::Env;
use crate::outbound::aws_json::{AwsCallError, AwsJsonApi, EVENTBRIDGE};

/// The longest a request waits for its events to be published: EventBridge answers
/// `PutEvents` in tens of milliseconds; past this, the request answers and the events are
/// counted as not published.
pub const PUBLISH_BUDGET: Duration = Duration::from_millis(800);

/// `PutEvents` takes at most ten entries.
const MAX_ENTRIES: usize = 10;

/// Where events go: nowhere (the default), or a bus.
#[derive(Clone)]
pub struct Events {
    bus: Option<Bus>,
}

#[derive(Clone)]
struct Bus {
    /// `AUTH_EVENT_BUS`: the bus's name or ARN.
    name: String,
    api: AwsJsonApi,
}

impl Events {
    /// No events: what a deployment without `AUTH_EVENT_BUS` gets.
    pub fn off() -> Self {
        Self { bus: None }
    }

    /// Events to the bus `AUTH_EVENT_BUS` names (off without it), with the function's AWS
    /// configuration; `AWS_ENDPOINT_URL_EVENTBRIDGE` (or `AWS_ENDPOINT_URL`) moves the API,
    /// as for the AWS SDKs.
    pub fn from_config(
        bus: Option<&str>,
        env: &Env,
        aws: &SdkConfig,
    ) -> Result<Self, AwsCallError> {
        let Some(name) = bus else {
            return Ok(Self::off());
        };
        let endpoint = env
            .var("AWS_ENDPOINT_URL_EVENTBRIDGE")
            .or_else(|| env.var("AWS_ENDPOINT_URL"));
        let api = AwsJsonApi::new(aws, EVENTBRIDGE, endpoint, PUBLISH_BUDGET)?;
        Ok(Self {
            bus: Some(Bus {
                name: name.to_owned(),
                api,
            }),
        })
    }

    pub fn enabled(&self) -> bool {
        self.bus.is_some()
    }

    /// Publishes one event about the user whose `sub` is `user` ([`Events::publish`]).
    pub async fn publish_one(&self, user: &str, what: What, now: i64) {
        self.publish(vec![Event::new(user, what, now)]).await;
    }

    /// Publishes `events`, within [`PUBLISH_BUDGET`]; what could not be published is
    /// logged and counted, never returned: the work they report is done already.
    pub async fn publish(&self, events: Vec<Event>) {
        let Some(bus) = &self.bus else {
            return;
        };
        for batch in events.chunks(MAX_ENTRIES) {
            let entries: Vec<Value> = batch
                .iter()
                .map(|event| {
                    json!({
                        "EventBusName": bus.name,
                        "Source": SOURCE,
                        "DetailType": event.what.name(),
                        "Detail": serde_json::to_string(event).unwrap_or_default(),
                    })
                })
                .collect();
            let body = json!({ "Entries": entries });
            let call = bus.api.call("AWSEvents.PutEvents", &body);
            match tokio::time::timeout(PUBLISH_BUDGET, call).await {
                Ok(Ok(answer)) => match answer["Entries"].as_array() {
                    // Each failed entry has an `ErrorCode` where its `EventId` would be.
                    Some(results) if results.len() == batch.len() => {
                        for (event, result) in batch.iter().zip(results) {
                            if let Some(code) = result["ErrorCode"].as_str() {
                                not_published(event, code);
                            }
                        }
                    }
                    _ => batch
                        .iter()
                        .for_each(|event| not_published(event, "the answer lists no entries")),
                },
                Ok(Err(error)) => batch
                    .iter()
                    .for_each(|event| not_published(event, &error.to_string())),
                Err(_) => batch
                    .iter()
                    .for_each(|event| not_published(event, "timeout")),
            }
        }
    }
}

/// The line the stack's metric filter counts (`EventsNotPublished`).
fn not_published(event: &Event, reason: &str) {
    tracing::error!(
        error = "event_not_published",
        event = event.what.name(),
        event_id = event.id.as_str(),
        reason,
        "an event was not published"
    );
}
