//! The cache of successful password verifications, so that Argon2 does not run per request.
//!
//! One entry per account: a SHA-256 digest of a per-process random secret, the account, the
//! password and the row's `"cryptedPassword"`, the user's id and when it expires. A request
//! hits when its digest equals the entry's (compared in constant time) before the expiry: a
//! changed password (a new PHC string, from any process) gives another digest and misses. The
//! digest never leaves the process; the secret makes it useless to anyone who sees it.
use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub(crate) type Key = [u8; 32];

#[derive(Debug)]
struct Entry {
    key: Key,
    user_id: i64,
    expires: DateTime<Utc>,
}

/// Stripes of [`Cache::flight`].
const FLIGHTS: usize = 64;

#[derive(Debug)]
pub(crate) struct Cache {
    secret: [u8; 16],
    ttl: chrono::Duration,
    capacity: usize,
    entries: Mutex<HashMap<String, Entry>>,
    flights: [Mutex<()>; FLIGHTS],
}

impl Cache {
    pub(crate) fn new(secret: [u8; 16], ttl: std::time::Duration, capacity: usize) -> Self {
        let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        Cache { secret, ttl, capacity, entries: Mutex::new(HashMap::new()), flights: std::array::from_fn(|_| Mutex::new(())) }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The digest of one verification (lengths first, so that no two inputs run together).
    pub(crate) fn key(&self, account: &str, password: &str, crypted_password: &str) -> Key {
        let mut h = Sha256::new();
        h.update(self.secret);
        for part in [account, password, crypted_password] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        h.finalize().into()
    }

    /// Whether this verification succeeded for this user before and has not expired.
    pub(crate) fn hit(&self, account: &str, key: &Key, user_id: i64, now: DateTime<Utc>) -> bool {
        let entries = self.entries();
        match entries.get(account) {
            Some(e) => bool::from(e.key.ct_eq(key)) && e.user_id == user_id && now < e.expires,
            None => false,
        }
    }

    /// One verification at a time per digest (striped): the requests that miss together, when
    /// an entry expires under load, wait for the first one's Argon2 and then hit, instead of
    /// each running Argon2 (64 concurrent requests of one account made a stall of ~0.5 s every
    /// 60 s, docs/performance.md "API"). The caller looks at the cache again while holding it.
    pub(crate) fn flight(&self, key: &Key) -> std::sync::MutexGuard<'_, ()> {
        self.flights[key[0] as usize % FLIGHTS].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Remembers a successful verification. When full, expired entries go first, then the
    /// one that expires soonest.
    pub(crate) fn insert(&self, account: &str, key: Key, user_id: i64, now: DateTime<Utc>) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries();
        if entries.len() >= self.capacity && !entries.contains_key(account) {
            entries.retain(|_, e| now < e.expires);
            while entries.len() >= self.capacity {
                let Some(oldest) = entries.iter().min_by_key(|(_, e)| e.expires).map(|(a, _)| a.clone()) else { break };
                entries.remove(&oldest);
            }
        }
        let expires = now.checked_add_signed(self.ttl).unwrap_or(DateTime::<Utc>::MAX_UTC);
        entries.insert(account.to_string(), Entry { key, user_id, expires });
    }

    /// Drops the account's entry (its password changed, it was disabled or blocked).
    pub(crate) fn forget(&self, account: &str) {
        self.entries().remove(account);
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn hits_until_expiry_and_misses_on_another_password_or_hash() {
        let c = Cache::new([7; 16], Duration::from_secs(60), 2);
        let t = Utc::now();
        let k = c.key("shop", "pw", "$argon2id$a");
        assert!(!c.hit("shop", &k, 1, t));
        c.insert("shop", k, 1, t);
        assert!(c.hit("shop", &k, 1, t + chrono::Duration::seconds(59)));
        assert!(!c.hit("shop", &k, 1, t + chrono::Duration::seconds(60)), "expired");
        assert!(!c.hit("shop", &c.key("shop", "pw2", "$argon2id$a"), 1, t), "another password");
        assert!(!c.hit("shop", &c.key("shop", "pw", "$argon2id$b"), 1, t), "a changed hash");
        assert!(!c.hit("shop", &k, 2, t), "another user of the same name (recreated)");
        assert_ne!(c.key("ab", "c", "x"), c.key("a", "bc", "x"), "parts do not run together");
        assert_ne!(Cache::new([8; 16], Duration::from_secs(1), 1).key("shop", "pw", "$argon2id$a"), k, "the secret is in the digest");
        c.forget("shop");
        assert!(!c.hit("shop", &k, 1, t));
    }

    #[test]
    fn is_bounded() {
        let c = Cache::new([0; 16], Duration::from_secs(60), 2);
        let t = Utc::now();
        for (i, a) in ["a", "b", "c"].iter().enumerate() {
            c.insert(a, c.key(a, "p", "h"), 1, t + chrono::Duration::seconds(i as i64));
        }
        assert_eq!(c.len(), 2);
        assert!(!c.hit("a", &c.key("a", "p", "h"), 1, t), "the entry that expires first went");
        assert!(c.hit("c", &c.key("c", "p", "h"), 1, t));
    }
}
