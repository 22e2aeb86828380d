//! The AWS configuration, loaded once per cold start and shared by everything that
//! calls AWS: the DynamoDB client ([`crate::dynamo::client`]) and the Parameter Store
//! read ([`crate::secrets::resolve`]). Loading it resolves the region and builds the
//! credential chain; doing that once is measurably cheaper than once per client
//! (`make bench`, cold start).

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

/// The configuration from the environment (on Lambda: the region and the role's
/// credentials), with clients that give up quickly: a session check must answer (503)
/// well inside the function's timeout rather than hang on an unreachable table.
pub async fn config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(1))
                .operation_attempt_timeout(Duration::from_secs(2))
                .operation_timeout(Duration::from_secs(4))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .load()
        .await
}
