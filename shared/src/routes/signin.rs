//! `GET /api/auth/signin?callbackUrl=/path[&intent=reauthenticate|end-other-sessions]`:
//! starts a sign-in. So do next-auth's `GET /api/auth/signin/beyondidentity` and its
//! `POST` (a form with the CSRF token: [`crate::routes::nextauth`]), with the
//! authorization parameters a client may pass
//! ([`crate::oidc::authorization_params`]); this function also answers next-auth's
//! `/csrf`, `/providers` and `/error`.
//!
//! A fresh `state`, `nonce` and PKCE verifier are sealed into the flow cookie together
//! with the (same-origin) return path, the issuer, client and redirect URI they are for,
//! and the sign-in's [`Intent`]; the browser is sent to the provider's authorization
//! endpoint. A return path that would make the cookie too large to come back becomes `/`.
//!
//! A step-up (`intent`) asks the provider for a new ceremony (`max_age=0`). Ending the
//! other sessions changes more than this browser, so a page of another site must not be
//! able to start it: when the browser says where the navigation came from
//! (`Sec-Fetch-Site`, sent by every current browser), it must be this origin.
//!
//! Each client address may start [`SIGN_IN_PER_CLIENT`] sign-ins a minute, counted once
//! the request is found well-formed. Past it, or when the counter cannot be reached, the
//! browser is sent to the error page (`?error=rate_limited`, `?error=session_store_unavailable`):
//! a person clicked "Sign in" and reads a page, not a JSON body.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};

use crate::config::SignInConfig;
use crate::error::AuthError;
use crate::http::ratelimit::{CounterStore, RateLimiter, SIGN_IN_PER_CLIENT, client_subject};
use crate::http::{
    Reply, check_front_door, client_address, route_path, safe_callback_url, set_cookie,
    single_query,
};
use crate::oidc::IdentityProvider;
use crate::oidc::authorization_params::AuthorizationParams;
use crate::oidc::flow::{FLOW_COOKIE, FLOW_TTL, Flow, FlowError, FlowSealer, Intent};
use crate::random_value;
use crate::routes::nextauth::{
    self, Answer, CSRF_PATH, ERROR_PATH, PROVIDERS_PATH, SIGNIN_PROVIDER_PATH,
};
use crate::telemetry::audit::{Audit, Outcome, Subject, event};

pub const SIGNIN_PATH: &str = "/api/auth/signin";

pub struct SignIn<P, C> {
    config: SignInConfig,
    provider: P,
    sealer: FlowSealer,
    limiter: RateLimiter<C>,
    audit: Audit,
}

impl<P: IdentityProvider, C: CounterStore> SignIn<P, C> {
    pub fn new(config: SignInConfig, provider: P, counters: C) -> Result<Self, AuthError> {
        let sealer = FlowSealer::new(&config.flow.secret).map_err(|_| AuthError::Internal)?;
        Ok(Self {
            audit: Audit::new(config.app.audit_key.as_ref()),
            config,
            provider,
            sealer,
            limiter: RateLimiter::new(counters),
        })
    }

    pub async fn handle(&self, request: &Request, now: i64) -> Response<Body> {
        let app = &self.config.app;
        let result = match (check_front_door(request, app), route_path(request)) {
            (Err(error), _) => Err(error),
            (Ok(()), SIGNIN_PROVIDER_PATH) if request.method() == Method::POST => {
                return self.posted(request, now).await.into_response();
            }
            (Ok(()), SIGNIN_PATH | SIGNIN_PROVIDER_PATH) => {
                return self.navigated(request, now).await.into_response();
            }
            (Ok(()), CSRF_PATH) => nextauth::csrf(request),
            (Ok(()), PROVIDERS_PATH) => nextauth::providers(request, app),
            (Ok(()), ERROR_PATH) => nextauth::error(request, &app.pages),
            (Ok(()), _) => Err(AuthError::NotFound),
        };
        result
            .unwrap_or_else(|error| Reply::error(&error))
            .into_response()
    }

    /// `GET /api/auth/signin[/beyondidentity]?callbackUrl=…[&intent=…]`, plus the
    /// allowlisted authorization parameters: a person clicked "Sign in" (or next-auth's
    /// `signIn()` without a provider, or `useSession({ required: true })`, sent them).
    async fn navigated(&self, request: &Request, now: i64) -> Reply {
        let begun = async {
            if request.method() != Method::GET && request.method() != Method::HEAD {
                return Err(AuthError::MethodNotAllowed { allowed: "GET" });
            }
            let query = single_query(request)?;
            let intent =
                Intent::parse(query.get("intent").map(String::as_str)).ok_or_else(|| {
                    AuthError::BadRequest(
                        "intent must be reauthenticate or end-other-sessions".into(),
                    )
                })?;
            if intent == Intent::EndOtherSessions && !same_origin_navigation(request) {
                return Err(AuthError::ForeignOrigin);
            }
            let params = AuthorizationParams::from_query(&query).map_err(AuthError::BadRequest)?;
            let callback_url = query.get("callbackUrl").map(String::as_str);
            self.begin(request, now, callback_url, intent, params).await
        };
        match begun.await {
            Ok((authorize, cookie)) => Reply::found(authorize).cookie(cookie),
            Err(error @ (AuthError::RateLimited { .. } | AuthError::StoreUnavailable)) => {
                Reply::error_page(&error, &self.config.app.pages)
            }
            Err(error) => Reply::error(&error),
        }
    }

    /// `POST /api/auth/signin/beyondidentity?<authorization params>`, a form with
    /// `csrfToken` and `callbackUrl`: next-auth's `signIn('beyondidentity')`.
    async fn posted(&self, request: &Request, now: i64) -> Reply {
        let app = &self.config.app;
        let answer = Answer::of(request);
        let begun = async {
            let form = nextauth::read_form(request, app)?;
            let query = single_query(request)?;
            let params = AuthorizationParams::from_query(&query).map_err(AuthError::BadRequest)?;
            let callback_url = form.get("callbackUrl").map(String::as_str);
            self.begin(request, now, callback_url, Intent::SignIn, params)
                .await
        };
        match begun.await {
            Ok((authorize, cookie)) => answer.go(authorize).cookie(cookie),
            Err(error) => answer.refuse(&error, app),
        }
    }

    /// A well-formed sign-in, counted against its client's limit: a new flow sealed in
    /// its cookie, and the provider's authorization URL.
    async fn begin(
        &self,
        request: &Request,
        now: i64,
        callback_url: Option<&str>,
        intent: Intent,
        params: AuthorizationParams,
    ) -> Result<(String, String), AuthError> {
        let client = client_address(request, &self.config.app);
        if let Err(error) = self
            .limiter
            .enforce(&SIGN_IN_PER_CLIENT, &client_subject(&client), now)
            .await
        {
            if let AuthError::RateLimited { .. } = error {
                let subject = Subject {
                    client: Some(&client),
                    ..Subject::default()
                };
                self.audit.record(
                    event::SIGN_IN,
                    Outcome::Limited,
                    SIGN_IN_PER_CLIENT.name,
                    subject,
                );
            }
            return Err(error);
        }
        let mut flow = Flow {
            state: random_value()?,
            nonce: random_value()?,
            pkce_verifier: random_value()?,
            callback_url: safe_callback_url(
                callback_url,
                &self.config.app.origin,
                &self.config.app.pages.landing,
            ),
            issuer: self.config.provider.issuer.clone(),
            client_id: self.config.provider.client_id.clone(),
            redirect_uri: self.config.app.redirect_uri(),
            created_at: now,
            intent,
            params,
        };
        // A return path too long for the cookie falls back to the landing page now,
        // rather than a cookie the callback would refuse after the user has authenticated;
        // parameters still too long for it are the client's to shorten.
        let sealed = match self.sealer.seal(&flow) {
            Err(FlowError::TooLarge) => {
                flow.callback_url.clone_from(&self.config.app.pages.landing);
                self.sealer.seal(&flow)
            }
            sealed => sealed,
        }
        .map_err(|error| match error {
            FlowError::TooLarge => AuthError::BadRequest(
                "the authorization parameters are too long for one sign-in".into(),
            ),
            _ => AuthError::Internal,
        })?;
        let authorize = self.provider.authorization_url(&flow).await?;
        Ok((
            authorize.into(),
            set_cookie(FLOW_COOKIE, &sealed, FLOW_TTL.as_secs()),
        ))
    }
}

/// Whether the browser did not say that this navigation came from another site: its
/// `Sec-Fetch-Site` is `same-origin`, or it sent none (a browser too old to).
fn same_origin_navigation(request: &Request) -> bool {
    let mut sent = request.headers().get_all("sec-fetch-site").iter();
    match (sent.next(), sent.next()) {
        (None, _) => true,
        (Some(site), None) => site.as_bytes() == b"same-origin",
        (Some(_), Some(_)) => false,
    }
}
