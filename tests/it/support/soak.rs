//! Helpers of the soak test: a TCP proxy whose open connections can all be cut at once, and a
//! small seeded random generator (the fault schedule is reproducible from the printed seed,
//! apart from the timing of the processes themselves).
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// xorshift64*: enough randomness for fault timing, no extra crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `lo..hi` (hi exclusive, hi > lo).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
    /// True with probability `percent` %.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

struct Conn {
    client: TcpStream,
    server: TcpStream,
    done: Arc<AtomicBool>,
}

/// A TCP proxy on a fixed loopback port to `127.0.0.1:target`. `cut_all` drops every open
/// connection (both directions) at once, as a network failure would.
pub struct FaultProxy {
    pub port: u16,
    conns: Arc<Mutex<Vec<Conn>>>,
    stop: Arc<AtomicBool>,
    /// Connections cut so far.
    pub cuts: Arc<AtomicU64>,
}

impl FaultProxy {
    pub fn start(target: u16) -> FaultProxy {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let conns: Arc<Mutex<Vec<Conn>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (c2, s2) = (conns.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in l.incoming() {
                if s2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                // The server may be down (restarting): then the client sees the connection close.
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let done = Arc::new(AtomicBool::new(false));
                let (c_r, s_w) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (s_r, c_w) = (server.try_clone().unwrap(), client.try_clone().unwrap());
                let d1 = done.clone();
                std::thread::spawn(move || pump(c_r, s_w, d1));
                let d2 = done.clone();
                std::thread::spawn(move || pump(s_r, c_w, d2));
                let mut all = c2.lock().unwrap();
                all.retain(|c| !c.done.load(Ordering::SeqCst));
                all.push(Conn {
                    client,
                    server,
                    done,
                });
            }
        });
        FaultProxy {
            port,
            conns,
            stop,
            cuts: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Cuts every open connection; returns how many were open.
    pub fn cut_all(&self) -> usize {
        let mut all = self.conns.lock().unwrap();
        let mut n = 0;
        for c in all.drain(..) {
            if !c.done.load(Ordering::SeqCst) {
                n += 1;
            }
            let _ = c.client.shutdown(Shutdown::Both);
            let _ = c.server.shutdown(Shutdown::Both);
        }
        self.cuts.fetch_add(n as u64, Ordering::SeqCst);
        n
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream, done: Arc<AtomicBool>) {
    let mut buf = [0u8; 16384];
    loop {
        let k = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(k) => k,
        };
        if to.write_all(&buf[..k]).is_err() {
            break;
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
    done.store(true, Ordering::SeqCst);
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        self.cut_all();
    }
}
