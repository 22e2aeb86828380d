//! `GET /api/auth/signin`: see `passkey_auth::routes::signin`.

use lambda_http::{Error, Request, service_fn};
use passkey_auth::oidc::OidcClient;
use passkey_auth::routes::signin::SignIn;
use passkey_auth::store::dynamo::{DynamoSessionStore, client};
use passkey_auth::{Env, SignInConfig};

// One event at a time per execution environment: one thread is enough, and it starts
// faster and smaller than a pool (make bench, cold start).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    passkey_auth::telemetry::init();
    let aws = passkey_auth::outbound::aws::config().await?;
    // Secrets come from Parameter Store when deployed (passkey_auth::config::parameter_store).
    let env = passkey_auth::config::parameter_store::resolve(Env::from_process(), &aws).await?;
    let config = SignInConfig::load_for_signin(&env)?;
    let provider = OidcClient::new(config.provider.clone(), &config.app.redirect_uri())?;
    // The table holds only its per-client counters (`rate#…`): signin reads no session.
    let counters = DynamoSessionStore::new(client(&aws), config.app.sessions.table.clone());
    let route = SignIn::new(config, provider, counters)?;
    passkey_auth::http::lambda::run(service_fn(|request: Request| {
        let route = &route;
        async move { Ok::<_, Error>(route.handle(&request, passkey_auth::now()).await) }
    }))
    .await
}
