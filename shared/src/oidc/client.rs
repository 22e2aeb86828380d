//! The provider client: discovery once per container, the authorization URL, the code
//! exchange, the ID token's verification, userinfo and logout tokens.

use std::time::Duration;

use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreIdTokenVerifier,
    CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AccessToken, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EmptyAdditionalClaims,
    IssuerUrl, LanguageTag, LoginHint, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, SubjectIdentifier, TokenResponse, UserInfoClaims,
};
use tokio::sync::OnceCell;
use url::Url;

use crate::config::ProviderConfig;
use crate::error::AuthError;
use crate::oidc::flow::Flow;
use crate::oidc::jwks::{JwksPolicy, KeyCache, kid_of};
use crate::oidc::jws::signed_by_one_of;
use crate::oidc::logout_token::{self, LogoutClaims};
use crate::session::User;

use super::discovery::{Discovered, Metadata, asymmetric};
use super::errors::{token_error, userinfo_error};
use super::provider_session::{end_session_endpoint, logout_url, usable_sid, verified_claim};
use super::verify::{check_authorized_party, id_token_verifier, reject, unknown_key};
use super::{IdentityProvider, Redeemed};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

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

impl IdentityProvider for OidcClient {
    async fn verify_logout_token(&self, token: &str, now: i64) -> Result<LogoutClaims, AuthError> {
        let refuse = |reason: &'static str| {
            tracing::warn!(reason, "a logout token was refused");
            AuthError::InvalidLogoutToken(reason)
        };
        let discovered = self.discovered().await?;
        let jws = logout_token::split(token).map_err(refuse)?;
        logout_token::check_type(&jws.header).map_err(refuse)?;
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
        logout_token::check_claims(
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
        let url = discovered
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
            .set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(&verifier));
        // A step-up asks for a new ceremony, not an existing provider session (OpenID
        // Connect Core §3.1.2.1: `max_age=0`, which also makes `auth_time` required); a
        // client may ask for a `max_age` of its own, and for the allowlisted parameters
        // of `authorization_params`.
        let url = match flow.max_age() {
            Some(seconds) => url.set_max_age(Duration::from_secs(u64::from(seconds))),
            None => url,
        };
        let url = match &flow.params.login_hint {
            Some(hint) => url.set_login_hint(LoginHint::new(hint.clone())),
            None => url,
        };
        // The values were checked when the flow was made; each is sent as written.
        let url = flow.params.prompt.iter().fold(url, |url, prompt| {
            url.add_prompt(CoreAuthPrompt::Extension(prompt.clone()))
        });
        let (url, _, _) = flow
            .params
            .ui_locales
            .iter()
            .fold(url, |url, tag| {
                url.add_ui_locale(LanguageTag::new(tag.clone()))
            })
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
            auth_time: claims.auth_time().map(|at| at.timestamp()),
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
