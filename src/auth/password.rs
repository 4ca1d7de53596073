//! Passwords as Argon2id PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`): the
//! crate's default parameters (Argon2id, version 19, 19 MiB of memory, 2 passes, 1 lane) and a
//! random 16-byte salt from the operating system. The PHC string carries algorithm, parameters
//! and salt, so `"UserDO"."hashSalt"` stays NULL; a string with other parameters (made by a
//! later impex with stronger ones) still verifies.
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

/// Hashing a new password failed (the operating system gave no random salt).
#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct PasswordError(String);

/// The Argon2id PHC string of a password, with a new random salt.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| PasswordError(e.to_string()))
}

/// Whether the password matches the PHC string (constant time in the password; an unreadable
/// string matches nothing).
pub fn verify_password(password: &str, phc: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), phc).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_the_default_parameters_and_a_fresh_salt() {
        let a = hash_password("correct horse").unwrap();
        let b = hash_password("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "a new salt each time");
        assert!(verify_password("correct horse", &a));
        assert!(verify_password("correct horse", &b));
        assert!(!verify_password("correct horsE", &a));
        assert!(!verify_password("", &a));
        assert!(!verify_password("correct horse", "not a phc string"));
    }
}
