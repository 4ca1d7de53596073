//! What the handlers share: the database file and a pool of open connections. SQLite calls
//! block, so every use runs on tokio's blocking threads ([`AppState::db`]), at most
//! [`CONNECTIONS`] at a time: the others wait for a connection without a thread, and every
//! connection stays open (opening one reads the whole schema; under 64 concurrent requests a
//! pool of 16 idle connections without a limit opened and closed connections per request, see
//! docs/performance.md, "API").
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::db::Conn;
use crate::error::Error;

/// Database work running at once, each on its own connection; the connections stay open.
pub const CONNECTIONS: usize = 16;
/// How much of the database file the connections read through a memory map
/// ([`Conn::request_settings`]).
const MAPPED_BYTES: i64 = 1 << 30;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db_path: PathBuf,
    idle: Mutex<Vec<Conn>>,
    permits: Arc<tokio::sync::Semaphore>,
    auth: Arc<crate::auth::Authenticator>,
}

impl AppState {
    pub fn new(db_path: &Path, auth: Arc<crate::auth::Authenticator>) -> Self {
        AppState { inner: Arc::new(Inner { db_path: db_path.to_path_buf(), idle: Mutex::new(Vec::new()), permits: Arc::new(tokio::sync::Semaphore::new(CONNECTIONS)), auth }) }
    }

    pub fn db_path(&self) -> &Path {
        &self.inner.db_path
    }

    pub fn authenticator(&self) -> &Arc<crate::auth::Authenticator> {
        &self.inner.auth
    }

    /// Runs `f` with a connection on a blocking thread (after waiting for one of the
    /// [`CONNECTIONS`]): for writes, password checks and reads of unbounded size.
    pub async fn db<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
    {
        let inner = self.inner.clone();
        let permit = inner.permits.clone().acquire_owned().await.map_err(|e| E::from(Error::Other(format!("the connection pool is closed: {e}"))))?;
        let joined = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            inner.with_conn(f)
        })
        .await;
        match joined {
            Ok(r) => r,
            Err(e) => Err(E::from(Error::Other(format!("a request's database work failed: {e}")))),
        }
    }

    /// Runs `f` with a connection on the request's own thread (after waiting for one of the
    /// [`CONNECTIONS`]): only for reads of a few indexed rows, which take microseconds and never
    /// wait for a writer (WAL). Handing them to a blocking thread and back cost more than the
    /// reads: two thread switches per hand-off (docs/performance.md, "Reads on the request's
    /// thread").
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<Error>,
        F: FnOnce(&mut Conn) -> Result<T, E>,
    {
        let _permit = self.inner.permits.acquire().await.map_err(|e| E::from(Error::Other(format!("the connection pool is closed: {e}"))))?;
        self.inner.with_conn(f)
    }
}

impl Inner {
    /// `f` with an idle connection (or a new one), which goes back to the idle ones afterwards.
    fn with_conn<T, E, F>(&self, f: F) -> Result<T, E>
    where
        E: From<Error>,
        F: FnOnce(&mut Conn) -> Result<T, E>,
    {
        let taken = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match taken {
            Some(c) => c,
            None => {
                let c = crate::db::open_existing(&self.db_path).map_err(E::from)?;
                c.request_settings(MAPPED_BYTES).map_err(|e| E::from(Error::from(e)))?;
                c
            }
        };
        let r = f(&mut conn);
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
        r
    }
}
