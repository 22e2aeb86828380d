//! Secrets from AWS Systems Manager Parameter Store (SecureString), read once per cold
//! start, so that none sits in a Lambda environment variable (which
//! `lambda:GetFunctionConfiguration` shows in the clear).
//!
//! A deployed function gets `SECRETS_PREFIX` (the stack's path, `/passkey-auth/`) and
//! `SECRET_NAMES` (the settings it needs that are secrets, e.g.
//! `AUTH_SECRET,BEYOND_IDENTITY_CLIENT_SECRET`); [`resolve`] fetches them in one signed
//! `GetParameters` call and adds them to the settings, before the configuration is read.
//! It fails closed: a name without its parameter stops the cold start with an error that
//! names it, since a secret that silently went missing could switch a defence off (without
//! `ORIGIN_VERIFY_SECRET` the CloudFront check would be skipped). Only a name marked
//! optional with a trailing `?` may be absent: the management credentials, of which a
//! deploy stores either the client secret or the static API token
//! (`BEYOND_IDENTITY_MGMT_CLIENT_SECRET?,BEYOND_IDENTITY_API_TOKEN?`; the configuration
//! then requires one of them). Without `SECRETS_PREFIX` (make dev, tests) the settings are
//! used as they are.
//!
//! The call is the SSM JSON API signed with SigV4 ([`AwsJsonApi`]), not a second AWS
//! SDK: each function stays one crate lighter. Why Parameter Store
//! and not Secrets Manager: both cost one HTTPS round trip at cold start, but standard
//! SecureString parameters are free (Secrets Manager charges per secret per month), one
//! call fetches up to ten, and IAM limits each function to its own names.

use std::collections::HashMap;
use std::time::Duration;

use aws_config::SdkConfig;
use serde::Deserialize;
use serde_json::json;

use crate::config::Env;
use crate::outbound::aws_json::{AwsCallError, AwsJsonApi, SSM};

/// At most this many names per `GetParameters` call (the API's limit).
const MAX_NAMES: usize = 10;
const TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("SECRET_NAMES lists {0} names; at most {MAX_NAMES} can be read")]
    TooMany(usize),
    #[error("no AWS credentials to read the secrets: {0}")]
    Credentials(String),
    #[error("the secrets could not be read from Parameter Store: {0}")]
    Unavailable(String),
    #[error("these secrets are not in Parameter Store under {prefix}: {}", names.join(", "))]
    Missing { prefix: String, names: Vec<String> },
}

/// A name of `SECRET_NAMES`: `NAME`, required, or `NAME?`, which may be absent.
struct SecretName<'a> {
    name: &'a str,
    optional: bool,
}

fn secret_names(list: &str) -> Vec<SecretName<'_>> {
    list.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| match n.strip_suffix('?') {
            Some(name) => SecretName {
                name,
                optional: true,
            },
            None => SecretName {
                name: n,
                optional: false,
            },
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Parameter {
    name: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetParametersOutput {
    #[serde(default)]
    parameters: Vec<Parameter>,
}

/// The settings with the secrets the function needs added from Parameter Store, read
/// with the function's AWS configuration (its region and credentials).
pub async fn resolve(env: Env, aws: &SdkConfig) -> Result<Env, SecretsError> {
    let Some(prefix) = env.var("SECRETS_PREFIX").map(str::to_owned) else {
        return Ok(env);
    };
    let list = env.var("SECRET_NAMES").unwrap_or_default().to_owned();
    let names = secret_names(&list);
    if names.is_empty() {
        return Ok(env);
    }
    if names.len() > MAX_NAMES {
        return Err(SecretsError::TooMany(names.len()));
    }
    let full: Vec<String> = names
        .iter()
        .map(|n| format!("{prefix}{}", n.name))
        .collect();
    let values = get_parameters(&env, aws, &full).await?;
    let mut vars = env.to_map();
    let mut missing = Vec::new();
    for (secret, path) in names.iter().zip(&full) {
        match values.get(path) {
            Some(value) => {
                vars.insert(secret.name.to_owned(), value.clone());
            }
            None if secret.optional => {}
            None => missing.push(secret.name.to_owned()),
        }
    }
    if !missing.is_empty() {
        return Err(SecretsError::Missing {
            prefix,
            names: missing,
        });
    }
    Ok(Env::from_map(vars))
}

/// One signed `AmazonSSM.GetParameters` call with decryption: parameter name → value.
async fn get_parameters(
    env: &Env,
    aws: &SdkConfig,
    names: &[String],
) -> Result<HashMap<String, String>, SecretsError> {
    let endpoint = env
        .var("AWS_ENDPOINT_URL_SSM")
        .or_else(|| env.var("AWS_ENDPOINT_URL"));
    let ssm = AwsJsonApi::new(aws, SSM, endpoint, TIMEOUT).map_err(unavailable)?;
    let answer = ssm
        .call(
            "AmazonSSM.GetParameters",
            &json!({"Names": names, "WithDecryption": true}),
        )
        .await
        .map_err(unavailable)?;
    let output: GetParametersOutput = serde_json::from_value(answer)
        .map_err(|_| SecretsError::Unavailable("the answer could not be read".into()))?;
    Ok(output
        .parameters
        .into_iter()
        .map(|p| (p.name, p.value))
        .collect())
}

fn unavailable(error: AwsCallError) -> SecretsError {
    match error {
        AwsCallError::Credentials(reason) => SecretsError::Credentials(reason),
        other => SecretsError::Unavailable(other.to_string()),
    }
}
