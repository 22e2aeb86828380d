//! `GET /api/auth/callback/beyondidentity` (see `passkey_auth::routes::callback`) and
//! `POST /api/auth/backchannel-logout` (see `passkey_auth::routes::backchannel`): the
//! two routes that verify what the provider signed, with one client and one key cache.

use std::sync::Arc;

use lambda_http::{Error, Request, service_fn};
use passkey_auth::events::Events;
use passkey_auth::http::route_path;
use passkey_auth::oidc::OidcClient;
use passkey_auth::routes::backchannel::{BACKCHANNEL_LOGOUT_PATH, BackchannelLogout};
use passkey_auth::routes::callback::Callback;
use passkey_auth::store::dynamo::{DynamoSessionStore, client};
use passkey_auth::{Env, Sessions, SignInConfig};

// One event at a time per execution environment: one thread is enough, and it starts
// faster and smaller than a pool (make bench, cold start).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    passkey_auth::telemetry::init();
    let aws = passkey_auth::outbound::aws::config().await?;
    // Secrets come from Parameter Store when deployed (passkey_auth::config::parameter_store).
    let env = passkey_auth::config::parameter_store::resolve(Env::from_process(), &aws).await?;
    let config = SignInConfig::load(&env)?;
    let provider = Arc::new(OidcClient::new(
        config.provider.clone(),
        &config.app.redirect_uri(),
    )?);
    let events = Events::from_config(config.app.event_bus.as_deref(), &env, &aws)?;
    let store = DynamoSessionStore::new(client(&aws), config.app.sessions.table.clone());
    let sessions = Sessions::new(store.clone(), config.app.sessions.clone());
    let logout = BackchannelLogout::new(config.clone(), provider.clone(), sessions)
        .with_events(events.clone());
    let sessions = Sessions::new(store.clone(), config.app.sessions.clone());
    let callback = Callback::new(config, provider, sessions, store)?.with_events(events);
    passkey_auth::http::lambda::run(service_fn(|request: Request| {
        let (callback, logout) = (&callback, &logout);
        async move {
            let now = passkey_auth::now();
            let response = match route_path(&request) {
                BACKCHANNEL_LOGOUT_PATH => logout.handle(&request, now).await,
                _ => callback.handle(&request, now).await,
            };
            Ok::<_, Error>(response)
        }
    }))
    .await
}
