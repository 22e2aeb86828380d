//! The account's routes (the passkeys, a change of address, the deletion): see
//! `passkey_auth::routes::account`.

use lambda_http::{Error, Request, service_fn};
use passkey_auth::events::Events;
use passkey_auth::mail::Mailer;
use passkey_auth::management::{BiManagementClient, RetryPolicy};
use passkey_auth::routes::account::AccountRoutes;
use passkey_auth::store::dynamo::{DynamoSessionStore, client};
use passkey_auth::{Env, ManagementFunctionConfig};

// One event at a time per execution environment: one thread is enough, and it starts
// faster and smaller than a pool (make bench, cold start).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    passkey_auth::telemetry::init();
    let aws = passkey_auth::outbound::aws::config().await?;
    // Secrets come from Parameter Store when deployed (passkey_auth::config::parameter_store).
    let env = passkey_auth::config::parameter_store::resolve(Env::from_process(), &aws).await?;
    let config = ManagementFunctionConfig::load(&env)?;
    let api = BiManagementClient::new(config.management.clone(), RetryPolicy::default())?;
    let store = DynamoSessionStore::new(client(&aws), config.app.sessions.table.clone());
    let events = Events::from_config(config.app.event_bus.as_deref(), &env, &aws)?;
    let mailer = Mailer::from_config(config.app.email_from.as_deref(), &env, &aws)?;
    let route = AccountRoutes::new(config, api, store)
        .with_events(events)
        .with_mailer(mailer);
    passkey_auth::http::lambda::run(service_fn(|request: Request| {
        let route = &route;
        async move { Ok::<_, Error>(route.handle(&request, passkey_auth::now()).await) }
    }))
    .await
}
