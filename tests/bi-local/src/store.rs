//! The emulator's state behind one lock, persisted to a JSON file after each change.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::keys::{KeyError, SigningKey};
use crate::model::State;

/// The state and the parsed signing keys (the first one signs; all are published).
pub struct Inner {
    pub state: State,
    pub keys: Vec<SigningKey>,
    /// Keys taken out of the JWKS by a rotation, newest last (for the `retired_key` flaw:
    /// a provider signing with a key it no longer publishes). Not persisted.
    pub retired: Vec<SigningKey>,
    /// The `jti` of the last logout token minted (for the `replayed_jti` fault). Not persisted.
    pub last_logout_jti: Option<String>,
}

impl Inner {
    pub fn signing_key(&self) -> &SigningKey {
        &self.keys[0]
    }

    /// Makes a new key the signing key; with `keep_old` the previous keys stay published.
    pub fn rotate_keys(&mut self, keep_old: bool) -> Result<(), KeyError> {
        let key = SigningKey::generate()?;
        if !keep_old {
            self.retired.append(&mut self.keys);
        }
        self.keys.insert(0, key);
        self.state.keys = self.keys.iter().map(SigningKey::to_stored).collect();
        Ok(())
    }
}

pub struct Store {
    inner: Mutex<Inner>,
    path: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot read the state file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the state file {path} is not valid bi-local state ({source}); delete it to start afresh"
    )]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(transparent)]
    Key(#[from] KeyError),
}

impl Store {
    /// Loads the state file if there is one, or else uses `seed()` and writes it.
    pub fn open(
        path: Option<PathBuf>,
        seed: impl FnOnce() -> Result<State, KeyError>,
    ) -> Result<Self, StoreError> {
        let existing = match &path {
            Some(p) if p.exists() => Some(load(p)?),
            _ => None,
        };
        let mut state = match existing {
            Some(state) => state,
            None => seed()?,
        };
        state.migrate();
        let keys = state
            .keys
            .iter()
            .map(SigningKey::from_stored)
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(KeyError::Generate.into());
        }
        let store = Self {
            inner: Mutex::new(Inner {
                last_logout_jti: None,
                state,
                keys,
                retired: Vec::new(),
            }),
            path,
        };
        store.write(|_| ());
        Ok(store)
    }

    /// Runs `f` with the state for reading.
    pub fn read<R>(&self, f: impl FnOnce(&Inner) -> R) -> R {
        f(&self.inner.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Runs `f` with the state for writing, then saves it.
    pub fn write<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let result = f(&mut inner);
        if let Some(path) = &self.path
            && let Err(error) = save(path, &inner.state)
        {
            tracing::error!(path = %path.display(), %error, "could not save the state file");
        }
        result
    }
}

fn load(path: &Path) -> Result<State, StoreError> {
    let text = std::fs::read_to_string(path).map_err(|source| StoreError::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| StoreError::Parse {
        path: path.to_owned(),
        source,
    })
}

/// Writes to a temporary file and renames it, so a crash never leaves half a file.
fn save(path: &Path, state: &State) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(state)?)?;
    std::fs::rename(&tmp, path)
}
