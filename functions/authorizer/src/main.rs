//! The API Gateway Lambda authorizer for the team's own routes (HTTP API payload 2.0
//! simple responses, and REST API `REQUEST` authorizers): see
//! `passkey_auth::routes::authorizer`. Needs the session table and nothing else.

// The runtime's future nests the session check's (the verifier, then the AWS SDK's own
// layers) deeper than rustc's default limit for computing its layout.
#![recursion_limit = "256"]

use lambda_http::lambda_runtime::{self, Error, LambdaEvent, service_fn};
use passkey_auth::dynamo::{DynamoSessionStore, client};
use passkey_auth::routes::authorizer::Authorizer;
use passkey_auth::{Env, SessionConfig, Sessions};
use serde_json::Value;

// One event at a time per execution environment: one thread is enough, and it starts
// faster and smaller than a pool (make bench, cold start).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    passkey_auth::telemetry::init();
    let aws = passkey_auth::aws::config().await?;
    let env = passkey_auth::secrets::resolve(Env::from_process(), &aws).await?;
    let config = SessionConfig::load(&env)?;
    let store = DynamoSessionStore::new(client(&aws), config.table.clone());
    let authorizer = Authorizer::new(Sessions::new(store, config));
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let authorizer = &authorizer;
        async move { Ok::<_, Error>(authorizer.handle(&event.payload, passkey_auth::now()).await) }
    }))
    .await
}
