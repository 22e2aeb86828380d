//! The product behind a team's own app (infra/template.yaml with `AppUpstream`): its
//! account page moves to `/account`, the app keeps `/`. Every place a function sends the
//! browser follows the settings, `AUTH_ACCOUNT_PAGE`, `AUTH_ERROR_PAGE` and
//! `AUTH_LANDING_PAGE`, and never a hard-coded `/`.

use crate::common;

use bi_local::sdk::{Passkey, enrolled_user, http};
use bi_local::{Authenticator, Options};
use common::{ORIGIN, Stack, event};

const ACCOUNT: &str = "/account";
const LANDING: &str = "/dashboard";

async fn behind_an_app(options: Options) -> Stack {
    Stack::start_with_bi_options(options, |vars| {
        vars.insert("AUTH_ACCOUNT_PAGE".into(), ACCOUNT.into());
        vars.insert("AUTH_LANDING_PAGE".into(), LANDING.into());
    })
    .await
}

#[tokio::test]
async fn a_sign_in_without_a_usable_return_path_lands_on_the_landing_page() {
    let stack = behind_an_app(Options::default()).await;
    let (_, passkey) = enrolled_user(&stack.bi, "lena@example.com").await;
    let now = passkey_auth::now();
    for (signin, lands) in [
        ("/api/auth/signin", LANDING),
        ("/api/auth/signin?callbackUrl=%2F%2Fevil.example", LANDING),
        ("/api/auth/signin?callbackUrl=%2Freports", "/reports"),
    ] {
        let (callback, flow) = stack.start_sign_in_from(&passkey, signin, now).await;
        let answer = stack.get_callback(&callback, &[&flow]).await;
        assert_eq!(answer.status(), 303, "{signin}: {:?}", answer.0);
        assert_eq!(answer.location(), lands, "{signin}");
    }
    // A return path too long for the flow cookie lands there too, not on `/`.
    let long = format!("/{}", "a".repeat(2000));
    let answer = stack
        .get_signin(&format!("/api/auth/signin?callbackUrl={long}"), &[])
        .await;
    assert_eq!(answer.status(), 302, "{:?}", answer.0);
    let redirect = passkey.sign_in(&stack.bi, answer.location()).await;
    let back = url::Url::parse(&redirect).expect("url");
    let flow = format!(
        "__Host-auth-flow={}",
        answer.cookie("__Host-auth-flow").expect("flow")
    );
    let callback = format!("{}?{}", back.path(), back.query().unwrap_or_default());
    let answer = stack.get_callback(&callback, &[&flow]).await;
    assert_eq!(answer.location(), LANDING);
}

#[tokio::test]
async fn a_refused_sign_in_ends_on_the_account_page_with_its_code() {
    let stack = behind_an_app(Options::default()).await;
    let (_, passkey) = enrolled_user(&stack.bi, "mia@example.com").await;
    let (callback, _flow) = stack.start_sign_in(&passkey, "/reports").await;
    // Without its flow cookie the callback is refused, before any network call.
    let answer = stack.get_callback(&callback, &[]).await;
    assert_eq!(answer.status(), 303, "{:?}", answer.0);
    assert_eq!(answer.location(), "/account?error=missing_flow");
    assert_eq!(answer.cookie("__Host-session"), None);

    let chosen = Stack::start_with(|vars| {
        vars.insert("AUTH_ERROR_PAGE".into(), "/sign-in-failed".into());
    })
    .await;
    let (_, passkey) = enrolled_user(&chosen.bi, "mia@example.com").await;
    let (callback, _flow) = chosen.start_sign_in(&passkey, "/").await;
    let answer = chosen.get_callback(&callback, &[]).await;
    assert_eq!(answer.location(), "/sign-in-failed?error=missing_flow");
}

#[tokio::test]
async fn forward_auth_sends_a_page_load_without_its_address_to_the_landing_page() {
    let stack = behind_an_app(Options::default()).await;
    let answer = stack
        .session_at(
            event("GET", "/api/auth/verify", &[], &[], None),
            passkey_auth::now(),
        )
        .await;
    assert_eq!(answer.status(), 401, "{:?}", answer.0);
    assert_eq!(
        answer.header("location"),
        Some("http://localhost:3000/api/auth/signin?callbackUrl=%2Fdashboard")
    );
}

/// Beyond Identity's hosted page follows the binding job's redirect: the account page,
/// which asks before the new passkey signs in, wherever that page is.
#[tokio::test]
async fn an_enrolment_link_comes_back_to_the_account_page() {
    let options = Options {
        authenticator: Some(Authenticator::Hosted),
        ..Options::default()
    };
    let stack = behind_an_app(options).await;
    let answer = stack
        .post_register(r#"{"email":"nora@example.com"}"#, passkey_auth::now())
        .await;
    assert_eq!(answer.status(), 202, "{:?}", answer.0);
    let link = stack.bi.outbox()[0].link.clone();
    let hosted = http().get(&link).send().await.expect("follow");
    let hosted = hosted.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let (status, bound) = Passkey::new().bind(&stack.bi, &hosted).await;
    assert_eq!(status, 200, "{bound}");
    assert_eq!(
        bound["postBindingRedirectUri"],
        format!("{ORIGIN}/account?enrolled")
    );
}
