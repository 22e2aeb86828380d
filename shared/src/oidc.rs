//! The OpenID Connect client: discovery on first use, the authorization URL, the code
//! exchange and a complete ID-token check, on the `openidconnect` crate.
//!
//! What `openidconnect` leaves to the application is done here: the provider's keys are
//! cached with the rules of [`crate::jwks`] (an unknown `kid` is fetched for at once, and
//! a set older than ten minutes is fetched again, so rotations work and removed keys
//! stop being trusted in a warm container); `exp` gets a
//! documented clock-skew allowance and `iat` a bound; only asymmetric algorithms the
//! provider advertises are accepted; and the HTTP client follows no redirects and has
//! connect and total timeouts.
//!
//! Name and email come from the ID token when it has them, and otherwise from the
//! provider's userinfo endpoint (with the access token), whose `sub` must be the ID
//! token's. Beyond Identity's ID token carries only the subject: its guides map the name
//! and email from `sub`, and its userinfo endpoint documents `name`,
//! `preferred_username` and `email` (docs/real-beyond-identity.md has the evidence).

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthenticationFlow, CoreClaimName, CoreClaimType, CoreClient,
    CoreClientAuthMethod, CoreGenderClaim, CoreGrantType, CoreIdTokenVerifier, CoreJsonWebKey,
    CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreJwsSigningAlgorithm, CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AccessToken, AdditionalProviderMetadata, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, EmptyAdditionalClaims, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadata,
    RedirectUrl, RequestTokenError, Scope, SignatureVerificationError, SubjectIdentifier,
    TokenResponse, UserInfoClaims, UserInfoError,
};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;
use url::Url;

use crate::config::ProviderConfig;
use crate::error::AuthError;
use crate::flow::Flow;
use crate::jwks::{JwksPolicy, KeyCache, kid_of};
use crate::jws::{CLOCK_SKEW, signed_by_one_of};
use crate::logout::{self, LogoutClaims};
use crate::session::User;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// What the callback needs from an OpenID provider. [`OidcClient`] is the real one.
pub trait IdentityProvider: Send + Sync {
    /// Where to send the browser to sign in for this flow.
    fn authorization_url(&self, flow: &Flow)
    -> impl Future<Output = Result<Url, AuthError>> + Send;
    /// Whether the provider promises the RFC 9207 `iss` parameter (so its absence is an error).
    fn sends_iss_parameter(&self) -> impl Future<Output = Result<bool, AuthError>> + Send;
    /// Exchanges the code (with the flow's PKCE verifier) and verifies the ID token
    /// (with the flow's nonce). The only call that reaches the token endpoint.
    fn redeem(
        &self,
        code: &str,
        flow: &Flow,
    ) -> impl Future<Output = Result<Redeemed, AuthError>> + Send;
    /// Verifies a back-channel logout token ([`crate::logout`]) with the provider's keys.
    fn verify_logout_token(
        &self,
        token: &str,
        now: i64,
    ) -> impl Future<Output = Result<LogoutClaims, AuthError>> + Send;
}

impl<T: IdentityProvider> IdentityProvider for std::sync::Arc<T> {
    fn authorization_url(
        &self,
        flow: &Flow,
    ) -> impl Future<Output = Result<Url, AuthError>> + Send {
        (**self).authorization_url(flow)
    }
    fn sends_iss_parameter(&self) -> impl Future<Output = Result<bool, AuthError>> + Send {
        (**self).sends_iss_parameter()
    }
    fn redeem(
        &self,
        code: &str,
        flow: &Flow,
    ) -> impl Future<Output = Result<Redeemed, AuthError>> + Send {
        (**self).redeem(code, flow)
    }
    fn verify_logout_token(
        &self,
        token: &str,
        now: i64,
    ) -> impl Future<Output = Result<LogoutClaims, AuthError>> + Send {
        (**self).verify_logout_token(token, now)
    }
}

/// A verified sign-in: the user, and the provider's session when the ID token names one
/// (`sid`, OpenID Connect Front-/Back-Channel Logout), for a back-channel logout of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redeemed {
    pub user: User,
    pub provider_sid: Option<String>,
    /// Where the browser ends the provider's session at sign-out (RP-Initiated Logout),
    /// when the provider has an `end_session_endpoint`: kept with the session on the
    /// server, so that the ID token it carries as `id_token_hint` never reaches the browser
    /// before sign-out.
    pub logout_url: Option<String>,
}

/// An http URL is accepted only on a loopback host (development and tests).
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(host)) => host == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// An advertised `end_session_endpoint` this client sends browsers to: https, or http on a
/// loopback host (development and tests).
fn end_session_endpoint(advertised: &str) -> Option<Url> {
    Url::parse(advertised)
        .ok()
        .filter(|url| url.scheme() == "https" || is_loopback(url))
}

/// The RP-Initiated Logout 1.0 request: the ID token as `id_token_hint`, our client, and
/// the app's home page to come back to (it must be registered with the provider as a
/// post-logout redirect URI).
fn logout_url(end_session: &Url, id_token: &str, client_id: &str, post_logout: &str) -> String {
    let mut url = end_session.clone();
    url.query_pairs_mut()
        .append_pair("id_token_hint", id_token)
        .append_pair("client_id", client_id)
        .append_pair("post_logout_redirect_uri", post_logout);
    url.into()
}

/// A claim of an ID token whose signature and claims were already verified, read from its
/// payload (`openidconnect`'s standard claims do not model `sid`).
fn verified_claim(id_token: &str, name: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = id_token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get(name)?.as_str().map(str::to_owned)
}

/// A `sid` worth keeping with the session: present and of a size a provider session id
/// has (it is stored in the session item and matched by back-channel logout).
fn usable_sid(sid: &str) -> bool {
    !sid.is_empty() && sid.len() <= 255
}

/// The discovery fields `openidconnect` does not model.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ExtraMetadata {
    #[serde(default)]
    authorization_response_iss_parameter_supported: Option<bool>,
    /// OpenID Connect RP-Initiated Logout 1.0: where the browser ends its provider session.
    #[serde(default)]
    end_session_endpoint: Option<String>,
}

impl AdditionalProviderMetadata for ExtraMetadata {}

type Metadata = ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

type DiscoveredClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

struct Discovered {
    client: DiscoveredClient,
    issuer: IssuerUrl,
    iss_parameter: bool,
    /// The provider's `end_session_endpoint`, if it has one over https (or a loopback http
    /// address, for development).
    end_session: Option<Url>,
    algorithms: Vec<CoreJwsSigningAlgorithm>,
    keys: KeyCache,
}

/// The real provider client. Build it once per container.
pub struct OidcClient {
    config: ProviderConfig,
    redirect_uri: RedirectUrl,
    http: reqwest::Client,
    jwks_policy: JwksPolicy,
    discovered: OnceCell<Discovered>,
}

/// The HTTP client for the provider: no redirects (an SSRF guard), short timeouts.
pub fn http_client() -> Result<reqwest::Client, AuthError> {
    crate::outbound::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|_| AuthError::Internal)
}

fn asymmetric(alg: &CoreJwsSigningAlgorithm) -> bool {
    use CoreJwsSigningAlgorithm::*;
    matches!(
        alg,
        RsaSsaPkcs1V15Sha256
            | RsaSsaPkcs1V15Sha384
            | RsaSsaPkcs1V15Sha512
            | RsaSsaPssSha256
            | RsaSsaPssSha384
            | RsaSsaPssSha512
            | EcdsaP256Sha256
            | EcdsaP384Sha384
            | EdDsa
    )
}

impl OidcClient {
    pub fn new(config: ProviderConfig, redirect_uri: &str) -> Result<Self, AuthError> {
        Ok(Self {
            redirect_uri: RedirectUrl::new(redirect_uri.to_owned())
                .map_err(|_| AuthError::Internal)?,
            http: http_client()?,
            config,
            jwks_policy: JwksPolicy::default(),
            discovered: OnceCell::new(),
        })
    }

    /// Another key-cache policy (tests use a zero `max_age` to show removed keys go).
    pub fn with_jwks_policy(mut self, policy: JwksPolicy) -> Self {
        self.jwks_policy = policy;
        self
    }

    /// Discovery, once per container (retried on the next request if it fails).
    async fn discovered(&self) -> Result<&Discovered, AuthError> {
        self.discovered
            .get_or_try_init(|| async {
                let issuer =
                    IssuerUrl::new(self.config.issuer.clone()).map_err(|_| AuthError::Internal)?;
                // Checks that the document's `issuer` is exactly ours, and fetches the JWKS.
                let metadata =
                    Metadata::discover_async(issuer, &self.http)
                        .await
                        .map_err(|error| {
                            tracing::warn!(error = %error, "OpenID discovery failed");
                            AuthError::ProviderUnavailable
                        })?;
                let mut algorithms: Vec<_> = metadata
                    .id_token_signing_alg_values_supported()
                    .iter()
                    .filter(|a| asymmetric(a))
                    .cloned()
                    .collect();
                if algorithms.is_empty() {
                    algorithms.push(CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256);
                }
                let iss_parameter = metadata
                    .additional_metadata()
                    .authorization_response_iss_parameter_supported
                    .unwrap_or(false);
                let end_session = metadata
                    .additional_metadata()
                    .end_session_endpoint
                    .as_deref()
                    .and_then(end_session_endpoint);
                let issuer = metadata.issuer().clone();
                let jwks_uri = metadata.jwks_uri().clone();
                let jwks = metadata.jwks().clone();
                let client = CoreClient::from_provider_metadata(
                    metadata,
                    ClientId::new(self.config.client_id.clone()),
                    self.config
                        .client_secret
                        .as_ref()
                        .map(|secret| ClientSecret::new(secret.expose().to_owned())),
                )
                .set_redirect_uri(self.redirect_uri.clone());
                Ok(Discovered {
                    client,
                    issuer,
                    iss_parameter,
                    end_session,
                    algorithms,
                    keys: KeyCache::new(jwks_uri, jwks, self.jwks_policy),
                })
            })
            .await
    }

    fn verifier(&self, discovered: &Discovered) -> CoreIdTokenVerifier<'static> {
        id_token_verifier(
            &self.config.client_id,
            discovered.issuer.clone(),
            discovered.keys.keys(),
            discovered.algorithms.clone(),
        )
    }
}

/// How an ID token is verified (`openidconnect`'s checks of signature, issuer, audience,
/// expiry and nonce, set as this client needs them): only asymmetric algorithms, so the
/// client secret (which keys the HMAC ones) has no part in it, and a clock skew of
/// [`CLOCK_SKEW`] either way.
pub fn id_token_verifier(
    client_id: &str,
    issuer: IssuerUrl,
    keys: CoreJsonWebKeySet,
    algorithms: Vec<CoreJwsSigningAlgorithm>,
) -> CoreIdTokenVerifier<'static> {
    CoreIdTokenVerifier::new_public_client(ClientId::new(client_id.to_owned()), issuer, keys)
        .set_allowed_algs(algorithms)
        .set_time_fn(|| Utc::now() - CLOCK_SKEW)
        .set_issue_time_verifier_fn(|iat| issued_in_time(iat, Utc::now()))
}

/// The `iat` bound: a token may say it was issued up to [`CLOCK_SKEW`] after `now` (the
/// provider's clock ahead of ours), not later.
fn issued_in_time(iat: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), String> {
    if iat > now + CLOCK_SKEW {
        Err(format!(
            "iat is more than {} s in the future",
            CLOCK_SKEW.as_secs()
        ))
    } else {
        Ok(())
    }
}

fn unknown_key(error: &ClaimsVerificationError) -> bool {
    matches!(
        error,
        ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)
    )
}

impl IdentityProvider for OidcClient {
    async fn verify_logout_token(&self, token: &str, now: i64) -> Result<LogoutClaims, AuthError> {
        let refuse = |reason: &'static str| {
            tracing::warn!(reason, "a logout token was refused");
            AuthError::InvalidLogoutToken(reason)
        };
        let discovered = self.discovered().await?;
        let jws = logout::split(token).map_err(refuse)?;
        logout::check_type(&jws.header).map_err(refuse)?;
        let alg: CoreJwsSigningAlgorithm = serde_json::from_value(jws.header["alg"].clone())
            .map_err(|_| refuse("the token's alg is not a signing algorithm"))?;
        if !discovered.algorithms.contains(&alg) {
            return Err(refuse("the token's alg is not one the provider signs with"));
        }
        let kid = jws.header.get("kid").and_then(serde_json::Value::as_str);
        discovered.keys.refresh_if_stale(&self.http).await;
        let mut signed = signed_by_one_of(&discovered.keys.keys(), &jws, &alg, kid);
        // A key the cache does not know yet (a rotation): fetched at once, as for ID tokens.
        if !signed
            && let Some(kid) = kid.filter(|kid| !kid.is_empty())
            && discovered.keys.fetch_for_unknown(kid, &self.http).await
        {
            signed = signed_by_one_of(&discovered.keys.keys(), &jws, &alg, Some(kid));
        }
        if !signed {
            return Err(refuse("the signature is not the provider's"));
        }
        logout::check_claims(
            &jws.claims,
            &self.config.issuer,
            &self.config.client_id,
            now,
        )
        .map_err(refuse)
    }

    async fn authorization_url(&self, flow: &Flow) -> Result<Url, AuthError> {
        let discovered = self.discovered().await?;
        let verifier = PkceCodeVerifier::new(flow.pkce_verifier.clone());
        let (state, nonce) = (flow.state.clone(), flow.nonce.clone());
        let (url, _, _) = discovered
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .add_scopes(
                self.config
                    .scopes
                    .iter()
                    .filter(|s| *s != "openid")
                    .map(|s| Scope::new(s.clone())),
            )
            .set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(&verifier))
            .url();
        Ok(url)
    }

    async fn sends_iss_parameter(&self) -> Result<bool, AuthError> {
        Ok(self.discovered().await?.iss_parameter)
    }

    async fn redeem(&self, code: &str, flow: &Flow) -> Result<Redeemed, AuthError> {
        let discovered = self.discovered().await?;
        let response = discovered
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|_| AuthError::ProviderUnavailable)?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let id_token = response.id_token().ok_or_else(|| {
            AuthError::InvalidIdToken("the token response has no ID token".into())
        })?;
        let nonce = Nonce::new(flow.nonce.clone());
        discovered.keys.refresh_if_stale(&self.http).await;
        let claims = match id_token.claims(&self.verifier(discovered), &nonce) {
            Ok(claims) => claims.clone(),
            Err(error)
                if unknown_key(&error)
                    && discovered
                        .keys
                        .fetch_for_unknown(&kid_of(&id_token.to_string()), &self.http)
                        .await =>
            {
                id_token
                    .claims(&self.verifier(discovered), &nonce)
                    .map_err(reject)?
                    .clone()
            }
            Err(error) => return Err(reject(error)),
        };
        check_authorized_party(
            claims.authorized_party().map(|azp| azp.as_str()),
            claims.audiences().len(),
            &self.config.client_id,
            &self.config.issuer,
        )?;
        let mut user = User {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            email: claims.email().map(|e| e.to_string()),
        };
        if user.name.is_none() || user.email.is_none() {
            self.complete_from_userinfo(discovered, response.access_token(), &mut user)
                .await?;
        }
        let id_token = id_token.to_string();
        let post_logout = self
            .redirect_uri
            .url()
            .join("/")
            .map_err(|_| AuthError::Internal)?;
        Ok(Redeemed {
            user,
            provider_sid: verified_claim(&id_token, "sid").filter(|sid| usable_sid(sid)),
            logout_url: discovered.end_session.as_ref().map(|end| {
                logout_url(end, &id_token, &self.config.client_id, post_logout.as_str())
            }),
        })
    }
}

impl OidcClient {
    /// Fills in the name and email the ID token lacks from the userinfo endpoint, if the
    /// provider has one. Its `sub` must be the ID token's (OpenID Connect Core §5.3.2),
    /// or the sign-in is refused.
    async fn complete_from_userinfo(
        &self,
        discovered: &Discovered,
        access_token: &AccessToken,
        user: &mut User,
    ) -> Result<(), AuthError> {
        let expected = SubjectIdentifier::new(user.subject.clone());
        let Ok(request) = discovered
            .client
            .user_info(access_token.clone(), Some(expected))
        else {
            return Ok(());
        };
        let claims: UserInfoClaims<EmptyAdditionalClaims, CoreGenderClaim> = request
            .request_async(&self.http)
            .await
            .map_err(userinfo_error)?;
        if user.name.is_none() {
            user.name = claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string())
                .or_else(|| claims.preferred_username().map(|u| u.to_string()));
        }
        if user.email.is_none() {
            user.email = claims.email().map(|e| e.to_string());
        }
        Ok(())
    }
}

/// OpenID Connect Core §3.1.3.7 steps 4 and 5, which `openidconnect` leaves to the
/// client: an ID token with several audiences must name this client in `azp`, and an
/// `azp` that is present must be this client. (Step 3, an audience this client does not
/// trust, is refused by `openidconnect` itself.)
///
/// Beyond Identity writes `azp` as the application's path,
/// `tenants/{t}/realms/{r}/applications/{app}`, in its access tokens (its docs'
/// introspection example); the same value in an ID token names this client as surely as
/// the client ID does, so both are accepted and nothing else.
fn check_authorized_party(
    azp: Option<&str>,
    audiences: usize,
    client_id: &str,
    issuer: &str,
) -> Result<(), AuthError> {
    let application_path = issuer
        .split_once("/v1/")
        .map(|(_, path)| path)
        .filter(|path| path.starts_with("tenants/") && path.contains("/applications/"));
    match azp {
        Some(azp) if azp == client_id || Some(azp) == application_path => Ok(()),
        Some(_) => Err(AuthError::InvalidIdToken("azp names another client".into())),
        None if audiences > 1 => Err(AuthError::InvalidIdToken(
            "several audiences and no azp".into(),
        )),
        None => Ok(()),
    }
}

/// What a failed userinfo request means for the user. Never logs the body: it holds
/// personal data.
fn userinfo_error<E: std::error::Error>(error: UserInfoError<E>) -> AuthError {
    match error {
        UserInfoError::ClaimsVerification(error) => {
            tracing::warn!(error = %error, "the userinfo answer failed verification");
            AuthError::InvalidUserinfo(error.to_string())
        }
        UserInfoError::Parse(error) => {
            tracing::warn!(at = %error.path(), "the userinfo answer could not be read");
            AuthError::InvalidUserinfo("the userinfo answer is malformed".into())
        }
        UserInfoError::Response(status, _, _) if status.is_client_error() => {
            tracing::warn!(%status, "the userinfo endpoint refused the access token");
            AuthError::InvalidUserinfo(format!("the userinfo endpoint answered {status}"))
        }
        UserInfoError::Response(status, _, _) => {
            tracing::warn!(%status, "the userinfo endpoint failed");
            AuthError::ProviderUnavailable
        }
        other => {
            tracing::warn!(error = %other, "the userinfo endpoint could not be used");
            AuthError::ProviderUnavailable
        }
    }
}

/// What a failed token request means for the user.
fn token_error<E: std::error::Error>(
    error: RequestTokenError<
        E,
        openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    >,
) -> AuthError {
    use openidconnect::core::CoreErrorResponseType;
    match error {
        RequestTokenError::ServerResponse(response) => {
            tracing::warn!(error = %response.error(), "the token endpoint refused the request");
            match response.error() {
                CoreErrorResponseType::Extension(code)
                    if code == "temporarily_unavailable" || code == "server_error" =>
                {
                    AuthError::ProviderUnavailable
                }
                _ => AuthError::CodeRejected,
            }
        }
        // A JSON answer with an ID token that does not even parse (no `sub`, say) is a
        // bad ID token; anything else unreadable is a provider that is not working.
        RequestTokenError::Parse(error, body) => {
            let has_id_token = serde_json::from_slice::<serde_json::Value>(&body)
                .is_ok_and(|v| v.get("id_token").is_some_and(serde_json::Value::is_string));
            // Only where parsing failed: serde's message can quote values, and this
            // body holds tokens.
            tracing::warn!(at = %error.path(), "the token response could not be read");
            if has_id_token {
                AuthError::InvalidIdToken("the ID token is malformed".into())
            } else {
                AuthError::ProviderUnavailable
            }
        }
        other => {
            tracing::warn!(error = %other, "the token endpoint could not be used");
            AuthError::ProviderUnavailable
        }
    }
}

fn reject(error: ClaimsVerificationError) -> AuthError {
    tracing::warn!(error = %error, "an ID token failed verification");
    AuthError::InvalidIdToken(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str =
        "https://auth-us.beyondidentity.com/v1/tenants/0001a/realms/b/applications/c-d";

    #[test]
    fn the_logout_request_carries_the_hint_the_client_and_the_way_back() {
        let end = Url::parse("https://idp.example/logout?ui_locales=en").expect("url");
        let url = logout_url(&end, "a.b.c", "client", "https://app.example/");
        let url = Url::parse(&url).expect("url");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            vec![
                ("ui_locales".into(), "en".into()),
                ("id_token_hint".into(), "a.b.c".into()),
                ("client_id".into(), "client".into()),
                (
                    "post_logout_redirect_uri".into(),
                    "https://app.example/".into()
                ),
            ]
        );
        for (url, allowed) in [
            ("http://localhost:8021/logout", true),
            ("http://127.0.0.1:8021/logout", true),
            ("http://[::1]:8021/logout", true),
            ("http://idp.example/logout", false),
            ("http://localhost.evil.example/logout", false),
        ] {
            assert_eq!(
                is_loopback(&Url::parse(url).expect("url")),
                allowed,
                "{url}"
            );
        }
    }

    #[test]
    fn only_an_https_or_loopback_end_session_endpoint_is_used() {
        for (advertised, used) in [
            ("https://idp.example/logout", true),
            ("http://localhost:8021/logout", true),
            ("http://idp.example/logout", false),
            ("javascript:alert(1)", false),
            ("/logout", false),
        ] {
            assert_eq!(
                end_session_endpoint(advertised).is_some(),
                used,
                "{advertised}"
            );
        }
    }

    #[test]
    fn only_asymmetric_algorithms_verify_id_tokens() {
        use CoreJwsSigningAlgorithm::*;
        for alg in [
            RsaSsaPkcs1V15Sha256,
            RsaSsaPssSha512,
            EcdsaP256Sha256,
            EcdsaP384Sha384,
            EdDsa,
        ] {
            assert!(asymmetric(&alg), "{alg:?}");
        }
        // The HMAC ones are keyed by the client secret; `none` is no signature at all.
        for alg in [HmacSha256, HmacSha384, HmacSha512, None] {
            assert!(!asymmetric(&alg), "{alg:?}");
        }
    }

    #[test]
    fn iat_may_be_at_most_the_clock_skew_ahead() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).expect("a time");
        let skew = chrono::Duration::from_std(CLOCK_SKEW).expect("skew");
        let second = chrono::Duration::seconds(1);
        assert!(issued_in_time(now - chrono::Duration::hours(1), now).is_ok());
        assert!(issued_in_time(now, now).is_ok());
        assert!(issued_in_time(now + skew, now).is_ok());
        assert!(issued_in_time(now + skew + second, now).is_err());
    }

    #[test]
    fn a_verified_token_gives_up_its_sid() {
        use base64::Engine as _;
        let encode = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let token = format!(
            "{}.{}.sig",
            encode(r#"{"alg":"RS256"}"#),
            encode(r#"{"sub":"u","sid":"s-1"}"#)
        );
        assert_eq!(verified_claim(&token, "sid").as_deref(), Some("s-1"));
        assert_eq!(verified_claim(&token, "nonce"), None);
        assert_eq!(verified_claim("garbage", "sid"), None);
        for (sid, kept) in [
            ("", false),
            ("s", true),
            (&"s".repeat(255), true),
            (&"s".repeat(256), false),
        ] {
            assert_eq!(usable_sid(sid), kept, "{} bytes", sid.len());
        }
    }

    #[test]
    fn azp_must_name_this_client() {
        let check = |azp, audiences| check_authorized_party(azp, audiences, "client", ISSUER);
        assert!(check(None, 1).is_ok());
        assert!(check(Some("client"), 1).is_ok());
        assert!(check(Some("client"), 2).is_ok());
        assert!(check(Some("tenants/0001a/realms/b/applications/c-d"), 2).is_ok());
        assert!(check(None, 2).is_err());
        assert!(check(Some("other"), 1).is_err());
        assert!(check(Some("tenants/0001a/realms/b/applications/other"), 1).is_err());
        assert!(check(Some(""), 1).is_err());
        // Another provider's issuer has no application path to match.
        let generic = check_authorized_party(
            Some("tenants/x/applications/y"),
            1,
            "client",
            "https://idp.example.com/v1/realms/x",
        );
        assert!(generic.is_err());
        // Both halves of the rule: a path under `tenants/` that names no application (the
        // realm), and an application path outside `tenants/`, are no application path.
        let realm = "https://idp.example.com/v1/tenants/t/realms/r";
        assert!(check_authorized_party(Some("tenants/t/realms/r"), 1, "client", realm).is_err());
        let elsewhere = "https://idp.example.com/v1/realms/r/applications/a";
        let other = check_authorized_party(Some("realms/r/applications/a"), 1, "client", elsewhere);
        assert!(other.is_err());
    }

    #[test]
    fn a_token_endpoint_that_is_failing_is_unavailable_and_a_refusal_is_a_rejected_code() {
        use openidconnect::core::CoreErrorResponseType::{self, Extension, InvalidGrant};
        let answer = |error: CoreErrorResponseType| {
            let response = openidconnect::StandardErrorResponse::new(error, None, None);
            token_error(RequestTokenError::<std::io::Error, _>::ServerResponse(
                response,
            ))
        };
        for failing in ["server_error", "temporarily_unavailable"] {
            let mapped = answer(Extension(failing.into()));
            assert!(
                matches!(mapped, AuthError::ProviderUnavailable),
                "{failing}"
            );
        }
        for refusal in [InvalidGrant, Extension("invalid_dpop_proof".into())] {
            let mapped = answer(refusal.clone());
            assert!(matches!(mapped, AuthError::CodeRejected), "{refusal:?}");
        }
    }
}
