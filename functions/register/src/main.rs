//! `POST /api/auth/register`: see `passkey_auth::routes::register`.

use lambda_http::{Error, Request, service_fn};
use passkey_auth::dynamo::{DynamoSessionStore, client};
use passkey_auth::management::{BiManagementClient, RetryPolicy};
use passkey_auth::routes::register::Register;
use passkey_auth::{Env, ManagementFunctionConfig};

#[tokio::main]
async fn main() -> Result<(), Error> {
    passkey_auth::telemetry::init();
    // Secrets come from Parameter Store when deployed (passkey_auth::secrets).
    let env = passkey_auth::secrets::resolve(Env::from_process()).await?;
    let config = ManagementFunctionConfig::load(&env)?;
    let api = BiManagementClient::new(config.management.clone(), RetryPolicy::default())?;
    let counters = DynamoSessionStore::new(client().await, config.app.sessions.table.clone());
    let route = Register::new(config, api, counters);
    passkey_auth::lambda::run(service_fn(|request: Request| {
        let route = &route;
        async move { Ok::<_, Error>(route.handle(&request, passkey_auth::now()).await) }
    }))
    .await
}
