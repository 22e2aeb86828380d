//! The HTTPS host the real SDK talks to ([`crate::Options::cloud_addr`]).
//!
//! Beyond Identity's SDK sends its cloud calls only to `https` URLs on Beyond Identity's
//! domains (docs/real-beyond-identity.md). A browser test therefore maps
//! `auth-us.beyondidentity.com` and `api-us.beyondidentity.com` to this listener
//! (Chromium's `--host-resolver-rules`) and trusts its certificate by its key alone
//! (`--ignore-certificate-errors-spki-list`): the CA is made here at every start, lives in
//! memory only and is trusted by nothing but that one browser process.
//!
//! One listener serves both names; the `Host` header picks the auth host's or the API
//! host's routes, as two hosts would.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::header::HOST;
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, PublicKeyData,
};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::server::TlsStream;
use tower::ServiceExt as _;

/// The public names of Beyond Identity's US hosts, as the SDK is given them.
pub const AUTH_HOST: &str = "auth-us.beyondidentity.com";
pub const API_HOST: &str = "api-us.beyondidentity.com";

#[derive(Debug, thiserror::Error)]
#[error("cannot make the test certificate: {0}")]
pub struct TlsError(String);

/// The certificate the HTTPS host presents, made for this run.
pub struct Identity {
    config: Arc<rustls::ServerConfig>,
    /// base64(SHA-256(SubjectPublicKeyInfo)) of the server key: the value of Chromium's
    /// `--ignore-certificate-errors-spki-list`.
    pub spki_sha256: String,
    /// The CA's certificate (PEM), for a client that wants to trust it explicitly.
    pub ca_pem: String,
}

/// A throwaway CA and a certificate for both hosts signed by it.
pub fn identity() -> Result<Identity, TlsError> {
    let fail = |e: rcgen::Error| TlsError(e.to_string());
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "bi-local test CA (this run only)");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(fail)?)
        .map_err(fail)?;
    let key = KeyPair::generate().map_err(fail)?;
    let params =
        CertificateParams::new(vec![AUTH_HOST.to_owned(), API_HOST.to_owned()]).map_err(fail)?;
    let certificate = params.signed_by(&key, &ca).map_err(fail)?;
    let spki =
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &key.subject_public_key_info());

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(
            vec![certificate.der().clone(), ca.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .map_err(|e| TlsError(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Identity {
        config: Arc::new(config),
        spki_sha256: STANDARD.encode(spki.as_ref()),
        ca_pem: ca.pem(),
    })
}

/// A TCP listener whose connections are TLS, for `axum::serve`. A handshake that fails
/// (a client that does not trust the certificate, a port scan) is dropped and the next
/// connection accepted.
pub struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, identity: &Identity) -> Self {
        Self {
            tcp,
            acceptor: TlsAcceptor::from(identity.config.clone()),
        }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = match self.tcp.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::debug!(%error, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            };
            match self.acceptor.accept(stream).await {
                Ok(tls) => return (tls, addr),
                Err(error) => tracing::debug!(%error, %addr, "TLS handshake failed"),
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// One router for both names: a request for [`API_HOST`] goes to `api`, any other to
/// `auth`.
pub fn by_host(auth: Router, api: Router) -> Router {
    Router::new().fallback(move |request: Request| {
        let host = request
            .headers()
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .map(|h| h.split(':').next().unwrap_or_default().to_owned())
            .unwrap_or_default();
        let router = if host == API_HOST {
            api.clone()
        } else {
            auth.clone()
        };
        async move {
            match router.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
            .into_response()
        }
    })
}
