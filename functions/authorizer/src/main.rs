//! The API Gateway Lambda authorizer for the team's own routes (HTTP API payload 2.0
//! simple responses, and REST API `REQUEST` authorizers): see
//! `passkey_auth::routes::authorizer`. Needs the session table and nothing else.

use lambda_http::lambda_runtime::{self, Error, LambdaEvent, service_fn};
use passkey_auth::routes::authorizer::Authorizer;
use passkey_auth::store::dynamo::client;
use passkey_auth::{Env, SessionConfig};
use passkey_verifier::Verifier;
use serde_json::Value;

// One event at a time per execution environment: one thread is enough, and it starts
// faster and smaller than a pool (make bench, cold start).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    passkey_auth::telemetry::init();
    let aws = passkey_auth::outbound::aws::config().await?;
    let env = passkey_auth::config::parameter_store::resolve(Env::from_process(), &aws).await?;
    let config = SessionConfig::load(&env)?;
    let verifier = Verifier::new(client(&aws), config.table).with_idle_timeout(config.idle_timeout);
    let authorizer = Authorizer::new(verifier);
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let authorizer = &authorizer;
        async move { Ok::<_, Error>(authorizer.handle(&event.payload, passkey_auth::now()).await) }
    }))
    .await
}
