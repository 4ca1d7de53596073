//! The command line: one file per command. `main` maps results to exit codes:
//! 0 ok, 1 problems found (e.g. `impex check`, a failed job in `run --once`), 2 error.
mod check;
mod demo;
mod demo_report;
mod documents;
pub mod import;
mod init;
mod migrate;
pub mod order;
mod run;
mod serve;
mod sql;
mod status;
mod trigger;
mod transfer;
mod transmissions;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(name = "impex", version, about = "An embedded job engine for the file-based import/export interfaces of Intershop Order Management", long_about = None)]
pub struct Cli {
    /// The database: a SQLite file, or a PostgreSQL URL `postgres://user@host:port/dbname`
    /// (password from the URL, PGPASSWORD or ~/.pgpass; docs/postgres.md).
    #[arg(long, global = true, env = "IMPEX_DB", default_value = "impex.db")]
    pub db: PathBuf,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create or upgrade the database, load the reference data, create the base directory tree.
    Init(init::Args),
    /// Run SQL scripts written in IOM's dialect (stdin when no file), all in one transaction.
    Sql(sql::Args),
    /// Validate the configuration; exit 1 when a problem is found.
    Check(check::Args),
    /// Run the end-to-end demo in a fresh directory (local directories as partner servers).
    Demo(demo::Args),
    /// Run the scheduler: jobs of active "ScheduleDO" rows by their Quartz cron, until SIGTERM.
    Run(run::Args),
    /// Serve IOM's REST API (inventory, schedules, transmissions, health) until SIGTERM.
    Serve(serve::Args),
    /// Show every schedule (next fire time, last run, retries, stops, locks) and the transmissions; exit 1 if a schedule is stopped or a transmission waits for manual check.
    Status(status::Args),
    /// Run one schedule now regardless of its cron; exit 1 if it failed, 2 if the key is unknown.
    Trigger(trigger::Args),
    /// Run the file transfer job (FTP_JOB) once for a "FileTransferConfigurationDO" id.
    Transfer(transfer::Args),
    /// Import files now with a transformer group (OpenPositions, PaymentHistories, storeOrder).
    Import(import::Args),
    /// Show an order, its invoices and its payment status (Paid / Part Paid / Not Paid).
    Order(order::Args),
    /// Render the order documents (invoice, credit note, delivery note, return slip PDFs) that are missing.
    Documents(documents::Args),
    /// List transmissions (exports) and business events with no partner configured.
    Transmissions(transmissions::ListArgs),
    /// Send a transmission again: back to INITIAL with a new file name.
    Resend(transmissions::IdArgs),
    /// Cancel a transmission that is not yet PUSHED.
    Cancel(transmissions::IdArgs),
    /// Run the sending job (JobDefDO -10001) once now: write due transmissions into the outbox.
    Send(transmissions::SendArgs),
    /// Manage the users of the REST API: add, grant, passwd, disable, enable, unblock, list.
    User(user::Args),
    /// Move this SQLite database into an empty PostgreSQL database (--to postgres://...).
    Migrate(migrate::Args),
}

/// What a command says about how it went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Problems found (exit code 1).
    Problems,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // the demo prints its own story; its jobs log only warnings unless IMPEX_LOG says otherwise
    let default_level = if matches!(cli.command, Command::Demo(_)) { "warn" } else { "info" };
    init_logging(cli.log_format, default_level);
    match run(cli) {
        Ok(Status::Ok) => ExitCode::SUCCESS,
        Ok(Status::Problems) => ExitCode::from(1),
        Err(e) => {
            eprintln!("impex: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Status> {
    if let Some(url) = cli.db.to_str().filter(|s| crate::db::pg::target::is_url(s)) {
        let target = crate::db::pg::Target::parse(url)?;
        match cli.command {
            Command::Init(a) => return init::run_postgres(&target, a),
            Command::Sql(a) => return sql::run_postgres(&target, a),
            Command::Migrate(_) => anyhow::bail!("impex migrate moves a SQLite file (--db FILE) to PostgreSQL (--to postgres://...)"),
            _ => {}
        }
    }
    // a PostgreSQL URL goes on as its name without the password (db::location)
    let db = crate::db::location(&cli.db)?;
    let cli = Cli { db, ..cli };
    // the process's identity (`host:pid:start`): its locks and claims carry it
    crate::schedule::lock::Holder::this_process();
    match cli.command {
        Command::Init(a) => init::run(&cli.db, a),
        Command::Sql(a) => sql::run(&cli.db, a),
        Command::Check(a) => check::run(&cli.db, a),
        Command::Demo(a) => demo::run(a),
        Command::Run(a) => run::run(&cli.db, a),
        Command::Serve(a) => serve::run(&cli.db, a),
        Command::Status(a) => status::run(&cli.db, a),
        Command::Trigger(a) => trigger::run(&cli.db, a),
        Command::Transfer(a) => transfer::run(&cli.db, a),
        Command::Import(a) => import::run(&cli.db, a),
        Command::Order(a) => order::run(&cli.db, a),
        Command::Documents(a) => documents::run(&cli.db, a),
        Command::Transmissions(a) => transmissions::list(&cli.db, a),
        Command::Resend(a) => transmissions::resend(&cli.db, a),
        Command::Cancel(a) => transmissions::cancel(&cli.db, a),
        Command::Send(a) => transmissions::send(&cli.db, a),
        Command::User(a) => user::run(&cli.db, a),
        Command::Migrate(a) => migrate::run(&cli.db, a),
    }
}

fn init_logging(format: LogFormat, default_level: &str) {
    use tracing_subscriber::EnvFilter;
    let mut filter = EnvFilter::try_from_env("IMPEX_LOG").unwrap_or_else(|_| EnvFilter::new(default_level));
    // never more than info from the database client, whatever IMPEX_LOG says (see
    // `db::QUIET_LOG_TARGETS`)
    for target in crate::db::QUIET_LOG_TARGETS {
        filter = filter.add_directive(format!("{target}=info").parse().expect("a valid directive"));
    }
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
