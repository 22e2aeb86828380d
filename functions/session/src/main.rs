//! `GET /api/auth/session` and `POST /api/auth/signout`: see
//! `passkey_auth::routes::session`. Needs no OpenID provider and no secret.

use lambda_http::{Error, Request, service_fn};
use passkey_auth::events::Events;
use passkey_auth::routes::session::SessionRoutes;
use passkey_auth::store::dynamo::{DynamoSessionStore, client};
use passkey_auth::{AppConfig, Env, Sessions};

// One event at a time per execution environment: one thread is enough, and it starts
// faster and smaller than a pool (make bench, cold start).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    passkey_auth::telemetry::init();
    let aws = passkey_auth::outbound::aws::config().await?;
    // Secrets come from Parameter Store when deployed (passkey_auth::config::parameter_store).
    let env = passkey_auth::config::parameter_store::resolve(Env::from_process(), &aws).await?;
    let config = AppConfig::load(&env)?;
    let store = DynamoSessionStore::new(client(&aws), config.sessions.table.clone());
    let sessions = Sessions::new(store, config.sessions.clone());
    let events = Events::from_config(config.event_bus.as_deref(), &env, &aws)?;
    let route = SessionRoutes::new(config, sessions).with_events(events);
    passkey_auth::http::lambda::run(service_fn(|request: Request| {
        let route = &route;
        async move { Ok::<_, Error>(route.handle(&request, passkey_auth::now()).await) }
    }))
    .await
}
