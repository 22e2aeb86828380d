//! Helpers shared by bi-local's integration tests (the SDK stand-in and management
//! calls are in `bi_local::sdk`, where the product's tests use them too).
#![allow(dead_code)]

pub use bi_local::sdk::*;
use bi_local::{BiLocal, Options};

pub async fn start() -> BiLocal {
    BiLocal::start(Options::default())
        .await
        .expect("bi-local starts")
}

/// Follows `/authorize` (Automatic) to the `/bi-authenticate` URL it redirects to.
pub async fn authenticate_url(authorize_url: &str) -> String {
    let response = http().get(authorize_url).send().await.expect("authorize");
    assert_eq!(
        response.status(),
        302,
        "{}",
        response.text().await.unwrap_or_default()
    );
    response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

/// A fresh state file path for one test (its folder emptied first).
pub fn temp_state_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bi-local-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("state.json")
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
