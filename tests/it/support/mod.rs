//! Support code shared by the integration tests, compiled once into the `integration` binary.

// A fresh database and base directory per test, and a runner for the real `impex` binary.
pub mod env;
// Export checks: configuration and business SQL, the sqlite3 shell, xmllint, XML structure.
pub mod export;
// A real PostgreSQL server on loopback (initdb and pg_ctl as the postgres user).
pub mod postgres;
// The soak test's fault proxy and seeded random generator.
pub mod soak;
// Real servers: vsftpd (FTP, FTPS) and sshd (SFTP) on loopback, a test user, cutting proxies.
pub mod transfer;
