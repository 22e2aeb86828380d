//! A running emulator: its listeners, servers and shutdown ([`BiLocal`]).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::model::{Application, Email};
use crate::options::{Authenticator, Options, apply_options, validate_origin};
use crate::seed::seed;
use crate::settings::{Cloud, Settings};
use crate::store::Store;
use crate::{Ctx, Fault, api, oidc, store, tls};

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
