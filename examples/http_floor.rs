//! The HTTP stack's limit for `bench/api.sh`: the server of `impex serve` without impex in it.
//! The same runtime (tokio multi-thread, default worker threads = cores), the same axum router
//! type served by axum-server with hyper's HTTP/1 settings of `src/http/server.rs` (timer,
//! header read timeout); every GET, whatever its path and headers, is answered 200 with the
//! bytes of FILE as `application/json` (the script passes a real ATP answer, so the body has
//! its size). No authentication, no database, no access log, no other layer.
//!
//! With a third argument DB (an impex database), every answer first reads one row of it the way
//! impex's handlers do (an open connection per worker thread, one indexed `"ShopDO"` lookup on the
//! request's thread): the floor of the stack plus the smallest database read, to show what one
//! SQLite read costs against the floor (docs/performance.md, "API").
//!
//! `cargo run --release --example http_floor -- ADDR FILE [DB]` (e.g. `127.0.0.1:18081 atp1.json`)
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

thread_local! {
    static CONN: std::cell::RefCell<Option<impex::db::Conn>> = const { std::cell::RefCell::new(None) };
}

/// One indexed read of the database at `path`, on this thread's connection.
fn read_one_row(path: &std::path::Path) {
    CONN.with(|c| {
        let mut c = c.borrow_mut();
        let conn = c.get_or_insert_with(|| impex::db::open_existing(path).expect("opening DB"));
        impex::db::queries::inventory::shop_exists(conn, 10000).expect("reading DB");
    });
}

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: http_floor ADDR FILE [DB]";
    let addr: std::net::SocketAddr = args.next().expect(usage).parse().expect("ADDR: host:port");
    let body = Bytes::from(std::fs::read(args.next().expect(usage)).expect("reading FILE"));
    let db: Option<std::path::PathBuf> = args.next().map(Into::into);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let answer = move || {
            let body = body.clone();
            let db = db.clone();
            async move {
                if let Some(path) = db {
                    read_one_row(&path);
                }
                let mut r: Response = body.into_response();
                r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                r
            }
        };
        let app = Router::new().route("/{*path}", get(answer));
        let listener = std::net::TcpListener::bind(addr).expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        println!("http_floor: listening on {}", listener.local_addr().expect("address"));
        let mut server = axum_server::from_tcp(listener).expect("listener");
        server.http_builder().http1().timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(Duration::from_secs(10));
        server.serve(app.into_make_service()).await.expect("serve");
    });
}
