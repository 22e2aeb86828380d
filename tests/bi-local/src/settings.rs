//! What an app needs to use the emulator ([`Settings`]), and how a browser reaches its
//! HTTPS host ([`Cloud`]).

use std::net::SocketAddr;

use crate::options::Authenticator;
use crate::tls;

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
