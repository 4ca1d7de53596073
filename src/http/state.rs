//! What the handlers share: the database file and a pool of open connections. SQLite calls
//! block, so every use runs on tokio's blocking threads ([`AppState::db`]).
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::db::Conn;
use crate::error::Error;

/// Connections kept open between requests (more are opened under load and closed after use).
const IDLE_CONNECTIONS: usize = 16;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db_path: PathBuf,
    idle: Mutex<Vec<Conn>>,
    auth: Arc<crate::auth::Authenticator>,
}

impl AppState {
    pub fn new(db_path: &Path, auth: Arc<crate::auth::Authenticator>) -> Self {
        AppState { inner: Arc::new(Inner { db_path: db_path.to_path_buf(), idle: Mutex::new(Vec::new()), auth }) }
    }

    pub fn db_path(&self) -> &Path {
        &self.inner.db_path
    }

    pub fn authenticator(&self) -> &Arc<crate::auth::Authenticator> {
        &self.inner.auth
    }

    /// Runs `f` with a connection on a blocking thread.
    pub async fn db<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
    {
        let inner = self.inner.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let taken = inner.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let mut conn = match taken {
                Some(c) => c,
                None => crate::db::open_existing(&inner.db_path).map_err(E::from)?,
            };
            let r = f(&mut conn);
            let mut idle = inner.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < IDLE_CONNECTIONS {
                idle.push(conn);
            }
            r
        })
        .await;
        match joined {
            Ok(r) => r,
            Err(e) => Err(E::from(Error::Other(format!("a request's database work failed: {e}")))),
        }
    }
}
