//! `GET /api/auth/signin`: see `passkey_auth::routes::signin`.

use lambda_http::{Error, Request, service_fn};
use passkey_auth::oidc::OidcClient;
use passkey_auth::routes::signin::SignIn;
use passkey_auth::{Env, SignInConfig};

#[tokio::main]
async fn main() -> Result<(), Error> {
    passkey_auth::telemetry::init();
    // Secrets come from Parameter Store when deployed (passkey_auth::secrets).
    let env = passkey_auth::secrets::resolve(Env::from_process()).await?;
    let config = SignInConfig::load_for_signin(&env)?;
    let provider = OidcClient::new(config.provider.clone(), &config.app.redirect_uri())?;
    let route = SignIn::new(config, provider)?;
    passkey_auth::lambda::run(service_fn(|request: Request| {
        let route = &route;
        async move { Ok::<_, Error>(route.handle(&request, passkey_auth::now()).await) }
    }))
    .await
}
