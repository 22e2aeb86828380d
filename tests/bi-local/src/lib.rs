//! `bi-local`: an offline stand-in for the Beyond Identity cloud.
//!
//! It serves two hosts, as Beyond Identity does: the **auth host** (per-application
//! OpenID Connect provider: discovery, JWKS, `/authorize`, `/token`, `/userinfo`, and the
//! links of credential binding jobs) and the **API host** (the management API:
//! identities, credential binding jobs, credentials). Paths, JSON shapes, ids,
//! timestamps and error bodies follow Beyond Identity's documentation and OpenAPI file.
//!
//! Emulator-only endpoints live under `{auth}/_emulator/`: the outbox of enrolment
//! emails, the `bind` and `authenticate` calls the browser SDK stand-in makes, fault
//! injection, key rotation, token expiry and reset. See `README.md` beside this crate.
//!
//! ```no_run
//! # async fn demo() -> Result<(), bi_local::StartError> {
//! let bi = bi_local::BiLocal::start(bi_local::Options::default()).await?;
//! let settings = bi.settings();
//! println!("{}", settings.env_lines());
//! assert!(bi.outbox().is_empty());
//! bi.stop().await;
//! # Ok(()) }
//! ```

mod api;
mod bearer;
mod binding;
mod cloud;
mod emulator;
mod errors;
mod faults;
mod hosted;
/// The emulator's signing keys; public for the ID-token micro-benchmark of `make bench`.
pub mod keys;
mod model;
mod oidc;
mod pages;
mod random;
pub mod sdk;
mod store;
mod tenant_api;
mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use faults::{Fault, Flaw, Target};
pub use model::{Email, Invocation};

use keys::KeyError;
use model::{
    Application, AuthenticatorConfig, Confidentiality, GrantType, Pkce, Realm, State, SubjectField,
};
use store::Store;

/// OpenID Connect's scopes, accepted on every authorization request. Beyond Identity's
/// OpenAPI file: "OIDC requests may accept OpenID Connect standard scopes as well as
/// resource server scopes, but the OpenID Connect scopes should not be defined on the
/// application itself. Currently, the only OpenID Connect supported scope is `openid`";
/// its Drupal and Auth0 guides request `email` and `profile` too. Any other scope must be
/// in the application's `allowed_scopes` (its resource server's; empty without one).
pub const OIDC_SCOPES: &[&str] = &["openid", "email", "profile"];

/// The scopes of the Management API application, as Beyond Identity grants them (the
/// subset of its scope list that bi-local serves).
pub const MANAGEMENT_SCOPES: &[&str] = &[
    "applications:create",
    "applications:read",
    "applications:update",
    "authenticator-configs:create",
    "authenticator-configs:read",
    "authenticator-configs:update",
    "identities:create",
    "identities:read",
    "identities:update",
    "identities:delete",
    "credential-binding-jobs:create",
    "credential-binding-jobs:read",
    "credential-binding-jobs:revoke",
    "credentials:read",
    "credentials:revoke",
];

/// How to start the emulator.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where the auth host listens; port 0 picks a free port.
    pub auth_addr: SocketAddr,
    /// Where the management API host listens; port 0 picks a free port.
    pub api_addr: SocketAddr,
    /// Keep the tenant, keys and data here across restarts.
    pub state_file: Option<PathBuf>,
    /// The app's origin: the invoke URL, trusted origin and redirect URI host of the
    /// demo application. `None` keeps the stored one (`http://localhost:3000` at first).
    pub app_origin: Option<String>,
    /// The demo authenticator config's invocation type; `None` keeps the stored one
    /// (Automatic at first).
    pub invocation: Option<Invocation>,
    /// The demo authenticator config's kind: Embedded SDK, or Hosted Web (bi-local's
    /// stand-ins of Beyond Identity's hosted pages bind and sign in); `None` keeps the
    /// stored one (Embedded SDK at first).
    pub authenticator: Option<Authenticator>,
    /// Put `name`, `preferred_username` and `email` in the ID token too, as many OpenID
    /// providers do. Off by default: Beyond Identity's ID token carries the subject only
    /// and the claims are on userinfo (docs/real-beyond-identity.md).
    pub id_token_claims: bool,
    /// Put a `sid` (a new provider session per sign-in) in the ID token, as providers with
    /// front- or back-channel logout do, to test back-channel logout by `sid`. Off by
    /// default: Beyond Identity's ID token carries the subject only.
    pub id_token_sid: bool,
    /// Advertise an `end_session_endpoint` (OpenID RP-Initiated Logout 1.0) and serve it.
    /// Off by default: Beyond Identity advertises none (docs/real-beyond-identity.md).
    pub end_session: bool,
    /// Seed the tenant with an empty application realm: no OIDC application and no
    /// authenticator config (what `passkey-auth tenant setup` starts from). Applies to a
    /// new state only.
    pub empty_realm: bool,
    /// Promise RFC 9207's `iss` parameter in discovery and send it on every
    /// authorization response. Off by default: Beyond Identity documents no such promise.
    pub iss_parameter: bool,
    /// Issue under `…/applications/{app}/` (a trailing slash, as Auth0 and Azure AD v1
    /// do), for the product's exact-issuer tests. Beyond Identity's issuer has none.
    pub issuer_trailing_slash: bool,
    /// Also serve Beyond Identity's cloud protocol, the one the real SDK speaks during
    /// `bindPasskey` and `authenticate`, over HTTPS at this address, as
    /// `https://auth-us.beyondidentity.com` and `https://api-us.beyondidentity.com`
    /// (port 0 picks one). The links and sign-in requests bi-local hands out then name
    /// those hosts, so that the real SDK accepts them; a browser reaches them through
    /// host-resolver rules and trusts [`BiLocal::cloud`]'s certificate by its key.
    pub cloud_addr: Option<SocketAddr>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            auth_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_file: None,
            app_origin: None,
            invocation: None,
            authenticator: None,
            id_token_claims: false,
            id_token_sid: false,
            end_session: false,
            empty_realm: false,
            iss_parameter: false,
            issuer_trailing_slash: false,
            cloud_addr: None,
        }
    }
}

/// Where passkeys are made and used: the kinds of authenticator config the product
/// supports (its `BEYOND_IDENTITY_AUTHENTICATOR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authenticator {
    Embedded,
    Hosted,
}

impl Authenticator {
    /// The product's `BEYOND_IDENTITY_AUTHENTICATOR` value.
    pub fn setting(self) -> &'static str {
        match self {
            Self::Embedded => "embedded",
            Self::Hosted => "hosted",
        }
    }
}

pub const DEFAULT_APP_ORIGIN: &str = "http://localhost:3000";
/// The path of the app's callback, appended to the app origin to make the redirect URI.
pub const CALLBACK_PATH: &str = "/api/auth/callback/beyondidentity";

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("--app-origin must be an http(s) origin such as http://localhost:3000, not {0:?}")]
    AppOrigin(String),
}

/// Everything the request handlers share.
pub(crate) struct Ctx {
    pub store: Store,
    pub auth_base: String,
    pub api_base: String,
    /// The auth and API hosts as the browser SDK is told them, in binding links, the
    /// `/bind` redirect and sign-in requests: the local addresses, or Beyond Identity's
    /// own names when the real SDK is served ([`Options::cloud_addr`]).
    pub sdk_auth_base: String,
    pub sdk_api_base: String,
    pub faults: Mutex<Vec<Fault>>,
    /// [`Options::id_token_claims`].
    pub id_token_claims: bool,
    /// [`Options::id_token_sid`].
    pub id_token_sid: bool,
    /// [`Options::end_session`].
    pub end_session: bool,
    /// The subjects whose provider session ended at the end-session endpoint, in order.
    pub logouts: Mutex<Vec<String>>,
    /// [`Options::iss_parameter`].
    pub iss_parameter: bool,
    /// [`Options::issuer_trailing_slash`].
    pub issuer_trailing_slash: bool,
    /// Nanoseconds spent answering requests, both hosts together ([`BiLocal::busy`]).
    pub busy: Arc<AtomicU64>,
}

impl Ctx {
    /// The application's issuer, with a trailing `/` when [`Options::issuer_trailing_slash`]
    /// asks for one (the endpoints hang off it without the slash either way).
    pub fn issuer(&self, state: &State, app: &Application) -> String {
        format!(
            "{}/v1/tenants/{}/realms/{}/applications/{}{}",
            self.auth_base,
            state.tenant_id,
            app.realm_id,
            app.id,
            if self.issuer_trailing_slash { "/" } else { "" }
        )
    }

    /// Applies the first fault rule for `target`: waits, and returns the status to
    /// answer with instead, if any.
    pub async fn fault(&self, target: Target) -> Option<(StatusCode, Option<u64>)> {
        let fault = {
            let mut faults = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
            faults::take(&mut faults, target)?
        };
        if let Some(ms) = fault.delay_ms {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        let status = StatusCode::from_u16(fault.status?).ok()?;
        Some((status, fault.retry_after))
    }

    pub fn take_flaws(&self, target: Target) -> Vec<Flaw> {
        let mut faults = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        faults::take_flaws(&mut faults, target)
    }
}

/// The values an app needs to use this emulator, as `BEYOND_IDENTITY_*` settings.
#[derive(Clone, Debug)]
pub struct Settings {
    pub auth_base_url: String,
    pub api_base_url: String,
    pub tenant_id: String,
    pub realm_id: String,
    pub application_id: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
    pub authenticator_config_id: String,
    /// The kind of that config, as the product's `BEYOND_IDENTITY_AUTHENTICATOR`.
    pub authenticator: Authenticator,
    pub admin_realm_id: String,
    pub mgmt_application_id: String,
    pub mgmt_client_id: String,
    pub mgmt_client_secret: String,
    pub api_token: String,
}

impl Settings {
    /// The settings as environment variables, in the order of DESIGN.md's table.
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("BEYOND_IDENTITY_ISSUER", self.issuer.clone()),
            ("BEYOND_IDENTITY_CLIENT_ID", self.client_id.clone()),
            ("BEYOND_IDENTITY_CLIENT_SECRET", self.client_secret.clone()),
            ("BEYOND_IDENTITY_REGION", "us".into()),
            ("BEYOND_IDENTITY_TENANT_ID", self.tenant_id.clone()),
            ("BEYOND_IDENTITY_REALM_ID", self.realm_id.clone()),
            (
                "BEYOND_IDENTITY_APPLICATION_CONFIG_ID",
                self.authenticator_config_id.clone(),
            ),
            (
                "BEYOND_IDENTITY_AUTHENTICATOR",
                self.authenticator.setting().into(),
            ),
            (
                "BEYOND_IDENTITY_ADMIN_REALM_ID",
                self.admin_realm_id.clone(),
            ),
            (
                "BEYOND_IDENTITY_MGMT_APPLICATION_ID",
                self.mgmt_application_id.clone(),
            ),
            (
                "BEYOND_IDENTITY_MGMT_CLIENT_ID",
                self.mgmt_client_id.clone(),
            ),
            (
                "BEYOND_IDENTITY_MGMT_CLIENT_SECRET",
                self.mgmt_client_secret.clone(),
            ),
            ("BEYOND_IDENTITY_AUTH_BASE_URL", self.auth_base_url.clone()),
            ("BEYOND_IDENTITY_API_BASE_URL", self.api_base_url.clone()),
        ]
    }

    /// `.env` lines. The static API token is printed commented out: the app then uses
    /// the client-credentials grant, as most deployments do; uncomment it to use a
    /// static token instead.
    pub fn env_lines(&self) -> String {
        let mut out = format!(
            "# bi-local: Beyond Identity emulator. Outbox: {}/_emulator/\n",
            self.auth_base_url
        );
        if self.issuer.is_empty() {
            out.push_str(
                "# The realm has no application yet: `passkey-auth tenant setup` creates it.\n",
            );
        }
        for (name, value) in self.vars().into_iter().filter(|(_, v)| !v.is_empty()) {
            out.push_str(&format!("{name}={value}\n"));
        }
        out.push_str(&format!("# BEYOND_IDENTITY_API_TOKEN={}\n", self.api_token));
        out
    }
}

/// The HTTPS host of [`Options::cloud_addr`]: where it listens and how a browser trusts it.
#[derive(Clone, Debug)]
pub struct Cloud {
    pub addr: SocketAddr,
    /// base64(SHA-256(SubjectPublicKeyInfo)) of its certificate's key, for Chromium's
    /// `--ignore-certificate-errors-spki-list`.
    pub spki_sha256: String,
    /// The CA that signed it (PEM), made at start and kept in memory only.
    pub ca_pem: String,
}

impl Cloud {
    /// The Chromium switches that send Beyond Identity's hosts here and trust this
    /// certificate, in that browser process only.
    pub fn chromium_args(&self) -> [String; 2] {
        [
            format!(
                "--host-resolver-rules=MAP {} {addr},MAP {} {addr}",
                tls::AUTH_HOST,
                tls::API_HOST,
                addr = self.addr
            ),
            format!("--ignore-certificate-errors-spki-list={}", self.spki_sha256),
        ]
    }
}

/// A running emulator. Dropping it stops the servers.
pub struct BiLocal {
    ctx: Arc<Ctx>,
    auth_addr: SocketAddr,
    api_addr: SocketAddr,
    cloud: Option<Cloud>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl BiLocal {
    /// Binds both hosts, loads or seeds the tenant and starts serving.
    pub async fn start(options: Options) -> Result<Self, StartError> {
        if let Some(origin) = &options.app_origin {
            validate_origin(origin)?;
        }
        let auth_listener = bind(options.auth_addr).await?;
        let api_listener = bind(options.api_addr).await?;
        let auth_addr = local_addr(&auth_listener, options.auth_addr)?;
        let api_addr = local_addr(&api_listener, options.api_addr)?;
        let auth_base = format!("http://{auth_addr}");
        let api_base = format!("http://{api_addr}");
        let cloud_listener = match options.cloud_addr {
            Some(addr) => {
                let listener = bind(addr).await?;
                let addr = local_addr(&listener, addr)?;
                Some((listener, addr, tls::identity()?))
            }
            None => None,
        };
        let (sdk_auth_base, sdk_api_base) = match &cloud_listener {
            Some(_) => (
                format!("https://{}", tls::AUTH_HOST),
                format!("https://{}", tls::API_HOST),
            ),
            None => (auth_base.clone(), api_base.clone()),
        };

        let store = Store::open(options.state_file.clone(), || {
            seed(&auth_base, options.empty_realm)
        })?;
        store.write(|inner| apply_options(&mut inner.state, &options));

        let ctx = Arc::new(Ctx {
            store,
            auth_base,
            api_base,
            sdk_auth_base,
            sdk_api_base,
            faults: Mutex::new(Vec::new()),
            id_token_claims: options.id_token_claims,
            id_token_sid: options.id_token_sid,
            end_session: options.end_session,
            logouts: Mutex::new(Vec::new()),
            iss_parameter: options.iss_parameter,
            issuer_trailing_slash: options.issuer_trailing_slash,
            busy: Arc::default(),
        });
        let (shutdown, watcher) = watch::channel(false);
        let auth_router = timed(oidc::router(ctx.clone()), &ctx.busy);
        let api_router = timed(api::router(ctx.clone()), &ctx.busy);
        let mut tasks = vec![
            serve(auth_listener, auth_router.clone(), watcher.clone()),
            serve(api_listener, api_router.clone(), watcher.clone()),
        ];
        let mut cloud = None;
        if let Some((listener, addr, identity)) = cloud_listener {
            tasks.push(serve(
                tls::TlsListener::new(listener, &identity),
                tls::by_host(auth_router, api_router),
                watcher,
            ));
            cloud = Some(Cloud {
                addr,
                spki_sha256: identity.spki_sha256.clone(),
                ca_pem: identity.ca_pem.clone(),
            });
        }
        Ok(Self {
            ctx,
            auth_addr,
            api_addr,
            cloud,
            shutdown,
            tasks,
        })
    }

    pub fn auth_addr(&self) -> SocketAddr {
        self.auth_addr
    }

    pub fn api_addr(&self) -> SocketAddr {
        self.api_addr
    }

    /// The HTTPS host of the real SDK's cloud protocol, if [`Options::cloud_addr`] asked for it.
    pub fn cloud(&self) -> Option<&Cloud> {
        self.cloud.as_ref()
    }

    pub fn auth_url(&self) -> &str {
        &self.ctx.auth_base
    }

    pub fn api_url(&self) -> &str {
        &self.ctx.api_base
    }

    pub fn settings(&self) -> Settings {
        self.ctx.store.read(|inner| {
            let s = &inner.state;
            let app = s.app_application();
            let mgmt = s.management_application();
            let field = |f: fn(&Application) -> String| app.map(f).unwrap_or_default();
            Settings {
                auth_base_url: self.ctx.auth_base.clone(),
                api_base_url: self.ctx.api_base.clone(),
                tenant_id: s.tenant_id.clone(),
                realm_id: s.realm.id.clone(),
                application_id: field(|a| a.id.clone()),
                issuer: app.map(|a| self.ctx.issuer(s, a)).unwrap_or_default(),
                client_id: field(|a| a.client_id.clone()),
                client_secret: field(|a| a.client_secret.clone()),
                redirect_uri: field(|a| a.redirect_uris.first().cloned().unwrap_or_default()),
                authenticator_config_id: field(|a| {
                    a.authenticator_config_id.clone().unwrap_or_default()
                }),
                authenticator: match app.and_then(|a| s.config_of(a)) {
                    Some(config) if config.is_hosted() => Authenticator::Hosted,
                    _ => Authenticator::Embedded,
                },
                admin_realm_id: s.admin_realm.id.clone(),
                mgmt_application_id: mgmt.map(|a| a.id.clone()).unwrap_or_default(),
                mgmt_client_id: mgmt.map(|a| a.client_id.clone()).unwrap_or_default(),
                mgmt_client_secret: mgmt.map(|a| a.client_secret.clone()).unwrap_or_default(),
                api_token: s.api_token.clone(),
            }
        })
    }

    /// The enrolment emails sent so far, oldest first.
    pub fn outbox(&self) -> Vec<Email> {
        self.ctx.store.read(|inner| inner.state.outbox.clone())
    }

    /// The subjects whose provider session ended at the end-session endpoint
    /// ([`Options::end_session`]), oldest first.
    pub fn logouts(&self) -> Vec<String> {
        self.ctx
            .logouts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Adds fault rules (as `POST /_emulator/faults` does).
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        self.ctx
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(faults);
    }

    /// The fault rules not used up yet (as `GET /_emulator/faults` lists them): a test
    /// can tell whether a request was made by whether its rule is still there.
    pub fn faults_left(&self) -> Vec<Fault> {
        self.ctx
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The time spent answering requests so far, both hosts together: what `make bench`
    /// subtracts to give the functions' own share of a sign-in.
    pub fn busy(&self) -> Duration {
        Duration::from_nanos(self.ctx.busy.load(Ordering::Relaxed))
    }

    /// Stops both servers and waits for them.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }

    /// Serves until the process gets Ctrl-C or SIGTERM.
    pub async fn run_until_signal(self) {
        shutdown_signal().await;
        self.stop().await;
    }
}

impl Drop for BiLocal {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, source })
}

fn local_addr(listener: &TcpListener, addr: SocketAddr) -> Result<SocketAddr, StartError> {
    listener
        .local_addr()
        .map_err(|source| StartError::Bind { addr, source })
}

/// `router`, adding the time each answer takes to `busy`.
fn timed(router: axum::Router, busy: &Arc<AtomicU64>) -> axum::Router {
    let busy = busy.clone();
    router.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let busy = busy.clone();
            async move {
                let start = Instant::now();
                let response = next.run(request).await;
                let took = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
                busy.fetch_add(took, Ordering::Relaxed);
                response
            }
        },
    ))
}

fn serve<L>(listener: L, router: axum::Router, mut stop: watch::Receiver<bool>) -> JoinHandle<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    tokio::spawn(async move {
        let result = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|stopped| *stopped).await;
            })
            .await;
        if let Err(error) = result {
            tracing::error!(%error, "server stopped");
        }
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

fn validate_origin(origin: &str) -> Result<(), StartError> {
    let invalid = || StartError::AppOrigin(origin.to_owned());
    let url = url::Url::parse(origin).map_err(|_| invalid())?;
    let is_origin = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && !origin.ends_with('/');
    if is_origin { Ok(()) } else { Err(invalid()) }
}

/// Applies `--app-origin` and `--invocation` to the realm's first application and its
/// authenticator config, if there is one.
fn apply_options(state: &mut State, options: &Options) {
    let realm = state.realm.id.clone();
    let Some(app) = state
        .applications
        .iter_mut()
        .find(|a| a.realm_id == realm && a.classification.is_none())
    else {
        return;
    };
    if let Some(origin) = &options.app_origin {
        app.redirect_uris = vec![format!("{origin}{CALLBACK_PATH}")];
    }
    let config_id = app.authenticator_config_id.clone();
    let Some(config) = state
        .authenticator_configs
        .iter_mut()
        .find(|c| Some(&c.id) == config_id.as_ref())
    else {
        return;
    };
    if let Some(origin) = &options.app_origin {
        config.invoke_url = origin.clone();
        config.trusted_origins = vec![origin.clone()];
    }
    if let Some(invocation) = options.invocation {
        config.invocation_type = invocation;
    }
    match options.authenticator {
        Some(Authenticator::Hosted) => {
            config.kind = model::HOSTED_WEB.into();
            config.display_name = "Demo Hosted Web".into();
        }
        Some(Authenticator::Embedded) => {
            config.kind = "embedded".into();
            config.display_name = "Demo Embedded SDK".into();
        }
        None => {}
    }
}

/// A fresh demo tenant: a realm with a confidential OIDC application (PKCE S256,
/// client_secret_basic) and an Embedded SDK authenticator config (unless `empty_realm`),
/// and the admin realm with the Management API application.
fn seed(auth_base: &str, empty_realm: bool) -> Result<State, KeyError> {
    let realm = Realm {
        id: random::hex_id(),
        display_name: "Demo Realm".into(),
    };
    let admin_realm = Realm {
        id: random::hex_id(),
        display_name: "Beyond Identity Admin".into(),
    };
    let key = keys::SigningKey::generate()?;
    let mut state = State::new(
        random::tenant_id(),
        realm.clone(),
        admin_realm.clone(),
        vec![key.to_stored()],
    );
    let management = Application {
        id: random::uuid(),
        realm_id: admin_realm.id.clone(),
        display_name: "Beyond Identity Management API".into(),
        client_id: random::client_id(),
        client_secret: random::client_secret(),
        grant_types: vec![GrantType::ClientCredentials],
        redirect_uris: Vec::new(),
        pkce: Pkce::Disabled,
        allowed_scopes: MANAGEMENT_SCOPES.iter().map(|s| s.to_string()).collect(),
        authenticator_config_id: None,
        classification: Some("management_api".into()),
        expires_after: 3600,
        confidentiality: Confidentiality::Confidential,
        token_endpoint_auth_method: "client_secret_basic".into(),
        subject_field: SubjectField::Id,
    };
    if !empty_realm {
        let config = AuthenticatorConfig {
            id: random::uuid(),
            realm_id: realm.id.clone(),
            invocation_type: Invocation::Automatic,
            invoke_url: DEFAULT_APP_ORIGIN.into(),
            trusted_origins: vec![DEFAULT_APP_ORIGIN.into()],
            display_name: "Demo Embedded SDK".into(),
            kind: "embedded".into(),
            authentication_methods: vec!["software_passkey".into()],
        };
        state.applications.push(Application {
            id: random::uuid(),
            realm_id: realm.id.clone(),
            display_name: "Demo App".into(),
            client_id: random::client_id(),
            client_secret: random::client_secret(),
            grant_types: vec![GrantType::AuthorizationCode],
            redirect_uris: vec![format!("{DEFAULT_APP_ORIGIN}{CALLBACK_PATH}")],
            pkce: Pkce::S256,
            allowed_scopes: Vec::new(),
            authenticator_config_id: Some(config.id.clone()),
            classification: None,
            expires_after: 3600,
            confidentiality: Confidentiality::Confidential,
            token_endpoint_auth_method: "client_secret_basic".into(),
            subject_field: SubjectField::Id,
        });
        state.authenticator_configs.push(config);
    }
    // A console-made API token: long-lived, every management scope.
    let now = model::now().timestamp();
    let app = &management;
    let claims = json!({
        "iss": format!("{auth_base}/v1/tenants/{}/realms/{}/applications/{}", state.tenant_id, app.realm_id, app.id),
        "sub": app.client_id,
        "aud": ["beyondidentity"],
        "azp": format!("tenants/{}/realms/{}/applications/{}", state.tenant_id, app.realm_id, app.id),
        "bi_p": format!("tenants/{}/realms/{}/applications/{}", state.tenant_id, app.realm_id, app.id),
        "bi_t": state.tenant_id,
        "bi_r": "*",
        "jti": random::jti(),
        "scope": MANAGEMENT_SCOPES.join(" "),
        "iat": now,
        "nbf": now,
        "exp": now + 7_776_000,
    });
    state.api_token = keys::encode(&key, "JWT", &claims, keys::Defects::default());
    state.applications.push(management);
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_origins_are_checked() {
        assert!(validate_origin("http://localhost:3000").is_ok());
        assert!(validate_origin("https://app.example.com").is_ok());
        for bad in [
            "localhost:3000",
            "http://localhost:3000/",
            "http://x/y",
            "ftp://x",
            "",
        ] {
            assert!(validate_origin(bad).is_err(), "{bad}");
        }
    }
}
