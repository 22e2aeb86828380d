//! `GET /api/auth/callback/beyondidentity`: see `passkey_auth::routes::callback`.

use lambda_http::{Error, Request, service_fn};
use passkey_auth::dynamo::{DynamoSessionStore, client};
use passkey_auth::oidc::OidcClient;
use passkey_auth::routes::callback::Callback;
use passkey_auth::{Env, Sessions, SignInConfig};

// One event at a time per execution environment: one thread is enough, and it starts
// faster and smaller than a pool (make bench, cold start).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    passkey_auth::telemetry::init();
    let aws = passkey_auth::aws::config().await?;
    // Secrets come from Parameter Store when deployed (passkey_auth::secrets).
    let env = passkey_auth::secrets::resolve(Env::from_process(), &aws).await?;
    let config = SignInConfig::load(&env)?;
    let provider = OidcClient::new(config.provider.clone(), &config.app.redirect_uri())?;
    let store = DynamoSessionStore::new(client(&aws), config.app.sessions.table.clone());
    let sessions = Sessions::new(store, config.app.sessions.clone());
    let route = Callback::new(config, provider, sessions)?;
    passkey_auth::lambda::run(service_fn(|request: Request| {
        let route = &route;
        async move { Ok::<_, Error>(route.handle(&request, passkey_auth::now()).await) }
    }))
    .await
}
