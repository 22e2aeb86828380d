//! A Hosted Web authenticator config: `/authorize` and binding links go to bi-local's
//! stand-ins of Beyond Identity's hosted pages instead of the app's, and those pages
//! bind and sign in through the same proofs of possession as the SDK stand-in.

mod common;

use bi_local::{Authenticator, BiLocal, Options, Settings};
use common::{
    Passkey, authenticate_url, create_identity, create_job, http, management_token, query_param,
    realm_url, temp_state_file,
};
use serde_json::{Value, json};

async fn start_hosted() -> BiLocal {
    BiLocal::start(Options {
        authenticator: Some(Authenticator::Hosted),
        ..Options::default()
    })
    .await
    .expect("bi-local starts")
}

fn hosted_page(bi: &BiLocal, s: &Settings, page: &str) -> String {
    format!(
        "{}/authenticator/v1/tenants/{}/realms/{}/authenticator-configs/{}/{page}",
        bi.auth_url(),
        s.tenant_id,
        s.realm_id,
        s.authenticator_config_id
    )
}

fn authorize_url(s: &Settings, state: &str) -> String {
    let mut url = url::Url::parse(&format!("{}/authorize", s.issuer)).expect("issuer");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &s.client_id)
        .append_pair("redirect_uri", &s.redirect_uri)
        .append_pair("scope", "openid")
        .append_pair("state", state)
        .append_pair(
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        )
        .append_pair("code_challenge_method", "S256");
    url.into()
}

/// Follows a binding link as a browser does (no JSON asked for): where it lands.
async fn open_link(link: &str) -> String {
    let response = http().get(link).send().await.expect("link");
    assert_eq!(response.status(), 302, "{link}");
    response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

#[tokio::test]
async fn the_config_reads_as_hosted_web_and_the_settings_say_hosted() {
    let bi = start_hosted().await;
    let s = bi.settings();
    assert_eq!(s.authenticator, Authenticator::Hosted);
    assert!(
        s.env_lines()
            .contains("\nBEYOND_IDENTITY_AUTHENTICATOR=hosted\n")
    );
    let token = management_token(&s).await;
    let config: Value = http()
        .get(format!(
            "{}/authenticator-configs/{}",
            realm_url(&s),
            s.authenticator_config_id
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("read config")
        .json()
        .await
        .expect("JSON");
    // BI's `Hosted Web Authenticator` schema: no invoke URL, no invocation type.
    assert_eq!(config["config"]["type"], "hosted_web", "{config}");
    assert!(config["config"].get("invoke_url").is_none(), "{config}");
    assert!(
        config["config"].get("invocation_type").is_none(),
        "{config}"
    );
    assert_eq!(
        config["config"]["authentication_methods"],
        json!([{"type": "software_passkey"}])
    );

    let embedded = common::start().await;
    assert_eq!(embedded.settings().authenticator, Authenticator::Embedded);
    assert!(
        embedded
            .settings()
            .env_lines()
            .contains("\nBEYOND_IDENTITY_AUTHENTICATOR=embedded\n")
    );
}

#[tokio::test]
async fn binding_links_land_on_the_hosted_bind_page_and_sign_in_goes_to_the_hosted_page() {
    let bi = start_hosted().await;
    let s = bi.settings();
    let token = management_token(&s).await;
    let identity = create_identity(&s, &token, "hosted@example.com").await;
    let identity_id = identity["id"].as_str().expect("id");

    // Both deliveries: the emailed link and the RETURN link the app hands its page.
    let (status, _) = create_job(&s, &token, identity_id, "EMAIL").await;
    assert_eq!(status, 200);
    let emailed = bi.outbox()[0].link.clone();
    let (status, job) = create_job(&s, &token, identity_id, "RETURN").await;
    assert_eq!(status, 200, "{job}");
    let returned = job["credential_binding_link"].as_str().expect("link");
    for link in [emailed.as_str(), returned] {
        let landing = open_link(link).await;
        assert!(
            landing.starts_with(&format!("{}?", hosted_page(&bi, &s, "bind"))),
            "{landing}"
        );
        assert_eq!(
            query_param(&landing, "identity_id").as_deref(),
            Some(identity_id)
        );
        assert!(query_param(&landing, "token").is_some());
    }

    // The hosted bind page redeems the link where it landed.
    let landing = open_link(returned).await;
    let mut passkey = Passkey::new();
    let (status, bound) = passkey.bind(&bi, &landing).await;
    assert_eq!(status, 200, "{bound}");
    assert_eq!(bound["postBindingRedirectUri"], "http://localhost:3000/");

    // Sign-in: the hosted page, whatever the config's invoke URL says.
    let authenticate = authenticate_url(&authorize_url(&s, "state-1")).await;
    assert!(
        authenticate.starts_with(&format!(
            "{}?request=",
            hosted_page(&bi, &s, "bi-authenticate")
        )),
        "{authenticate}"
    );
    let (status, body) = passkey.authenticate(&bi, &authenticate).await;
    assert_eq!(status, 200, "{body}");
    let back = body["redirectUrl"].as_str().expect("redirectUrl");
    assert!(back.starts_with(&s.redirect_uri), "{back}");
    assert_eq!(query_param(back, "state").as_deref(), Some("state-1"));
    assert!(query_param(back, "code").is_some());
}

#[tokio::test]
async fn the_hosted_pages_run_only_their_own_script_and_only_for_hosted_configs() {
    let bi = start_hosted().await;
    let s = bi.settings();
    for page in ["bind", "bi-authenticate"] {
        let response = http()
            .get(hosted_page(&bi, &s, page))
            .send()
            .await
            .expect("page");
        assert_eq!(response.status(), 200, "{page}");
        let policy = response.headers()["content-security-policy"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(policy.contains("script-src 'self';"), "{policy}");
        assert!(policy.contains("connect-src 'self';"), "{policy}");
        let html = response.text().await.expect("html");
        assert!(html.contains("<script type=\"module\" src=\"/authenticator/hosted.js\">"));
    }
    let script = http()
        .get(format!("{}/authenticator/hosted.js", bi.auth_url()))
        .send()
        .await
        .expect("script");
    assert_eq!(script.status(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/javascript")
    );
    assert!(
        script
            .text()
            .await
            .expect("js")
            .contains("'authenticate/cancel'")
    );

    // Not a hosted config (another config id, another tenant): nothing there.
    let other = hosted_page(&bi, &s, "bind").replace(&s.authenticator_config_id, "0000");
    let tenant = hosted_page(&bi, &s, "bind").replace(&s.tenant_id, "0000");
    for url in [other, tenant] {
        let response = http().get(&url).send().await.expect("page");
        assert_eq!(response.status(), 404, "{url}");
    }
    let embedded = common::start().await;
    let es = embedded.settings();
    let response = http()
        .get(hosted_page(&embedded, &es, "bi-authenticate"))
        .send()
        .await
        .expect("page");
    assert_eq!(
        response.status(),
        404,
        "an Embedded SDK config has no hosted page"
    );
}

#[tokio::test]
async fn cancelling_goes_back_with_access_denied_and_ends_the_request() {
    let bi = start_hosted().await;
    let s = bi.settings();
    let authenticate = authenticate_url(&authorize_url(&s, "state-2")).await;
    let cancel = |url: String| {
        let auth = bi.auth_url().to_owned();
        async move {
            let response = http()
                .post(format!("{auth}/_emulator/authenticate/cancel"))
                .header("origin", auth.as_str())
                .json(&json!({ "url": url }))
                .send()
                .await
                .expect("cancel");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.expect("JSON"))
        }
    };
    let (status, body) = cancel(authenticate.clone()).await;
    assert_eq!(status, 200, "{body}");
    let back = body["redirectUrl"].as_str().expect("redirectUrl");
    assert!(back.starts_with(&s.redirect_uri), "{back}");
    assert_eq!(query_param(back, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(back, "state").as_deref(), Some("state-2"));
    assert!(query_param(back, "code").is_none());

    // The request is over: neither a second cancel nor a passkey can use it.
    let (status, _) = cancel(authenticate.clone()).await;
    assert_eq!(status, 410);
    let (passkey_status, _) = Passkey::new().authenticate(&bi, &authenticate).await;
    assert_eq!(passkey_status, 410);
    let (status, _) = cancel("not a url".into()).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn an_existing_tenant_switches_kind_when_restarted_with_the_other_authenticator() {
    let state = temp_state_file("hosted-switch");
    let start = |authenticator| {
        BiLocal::start(Options {
            state_file: Some(state.clone()),
            authenticator,
            ..Options::default()
        })
    };
    let first = start(None).await.expect("starts");
    let config_id = first.settings().authenticator_config_id;
    assert_eq!(first.settings().authenticator, Authenticator::Embedded);
    drop(first);
    let hosted = start(Some(Authenticator::Hosted)).await.expect("starts");
    assert_eq!(hosted.settings().authenticator, Authenticator::Hosted);
    assert_eq!(hosted.settings().authenticator_config_id, config_id);
    drop(hosted);
    let kept = start(None).await.expect("starts");
    assert_eq!(
        kept.settings().authenticator,
        Authenticator::Hosted,
        "None keeps the stored kind"
    );
}
