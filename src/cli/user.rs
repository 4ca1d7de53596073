//! `impex user add|grant|passwd|disable|enable|unblock|list`: the users of the REST API
//! (docs/api.md, "Users, roles and rights"). A password is read from the terminal without echo
//! (twice) when standard input is one, else from the first line of standard input; never from
//! the command line. No command shows a password or its hash.
use std::io::{BufRead, IsTerminal};
use std::path::Path;

use anyhow::{bail, Context};

use super::Status;
use crate::auth::admin::{self, Granted, NewAccount, Target};
use crate::db::{self, queries::users};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user with a role (everywhere, or in a shop's, supplier's or named organization); the password comes from the terminal or the first line of stdin.
    Add(AddArgs),
    /// Give an existing user one more role.
    Grant(GrantArgs),
    /// Set a new password (from the terminal or the first line of stdin).
    Passwd(AccountArgs),
    /// Disable an account: its logins are refused.
    Disable(AccountArgs),
    /// Enable a disabled account.
    Enable(AccountArgs),
    /// End a block (USER_BLOCKED) and forget the failed logins.
    Unblock(AccountArgs),
    /// List the users, their roles and lockout state (never a password or hash).
    List(ListArgs),
}

#[derive(clap::Args, Debug)]
#[group(id = "target", multiple = false)]
pub struct TargetArgs {
    /// The role applies in this shop's organization ("ShopDO"."id"; made if missing), which covers its child shops too.
    #[arg(long, group = "target")]
    pub shop: Option<i64>,
    /// The role applies in this supplier's organization ("SupplierDO"."id"; made if missing).
    #[arg(long, group = "target")]
    pub supplier: Option<i64>,
    /// The role applies in the organization of this name (made, without shop or supplier, if missing).
    #[arg(long, group = "target")]
    pub organization: Option<String>,
}

impl TargetArgs {
    fn target(&self) -> Target {
        match (self.shop, self.supplier, &self.organization) {
            (Some(s), _, _) => Target::Shop(s),
            (_, Some(s), _) => Target::Supplier(s),
            (_, _, Some(o)) => Target::Organization(o.clone()),
            _ => Target::Everywhere,
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct AddArgs {
    /// "UserDO"."accountName".
    pub account: String,
    /// "RoleDO"."name", e.g. ShopServiceClient or Operator.
    #[arg(long)]
    pub role: String,
    #[command(flatten)]
    pub target: TargetArgs,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub first_name: Option<String>,
    #[arg(long)]
    pub last_name: Option<String>,
    #[arg(long)]
    pub company_name: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct GrantArgs {
    /// "UserDO"."accountName".
    pub account: String,
    /// "RoleDO"."name".
    #[arg(long)]
    pub role: String,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(clap::Args, Debug)]
pub struct AccountArgs {
    /// "UserDO"."accountName".
    pub account: String,
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Print JSON: {"users": [...]}.
    #[arg(long)]
    pub json: bool,
}

pub fn run(db_path: &Path, args: Args) -> anyhow::Result<Status> {
    match args.command {
        UserCommand::Add(a) => add(db_path, a),
        UserCommand::Grant(a) => grant(db_path, a),
        UserCommand::Passwd(a) => passwd(db_path, a),
        UserCommand::Disable(a) => set_active(db_path, a, false),
        UserCommand::Enable(a) => set_active(db_path, a, true),
        UserCommand::Unblock(a) => unblock(db_path, a),
        UserCommand::List(a) => list(db_path, a),
    }
}

/// The password: from the terminal (asked twice, not echoed), or the first line of stdin.
fn read_password(account: &str) -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("password for {account}: ")).context("cannot read the password")?;
        let again = rpassword::prompt_password("again: ").context("cannot read the password")?;
        if first != again {
            bail!("the passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
        line.truncate(line.trim_end_matches(['\n', '\r']).len());
        line
    };
    if password.is_empty() {
        bail!("no password given (type it at the prompt, or give it as the first line of standard input)");
    }
    Ok(password)
}

fn granted(role: &str, g: &Granted) -> String {
    match &g.organization {
        Some(o) => format!("role {role} in organization {o}"),
        None => format!("role {role} for every shop and supplier"),
    }
}

fn add(db_path: &Path, a: AddArgs) -> anyhow::Result<Status> {
    let mut conn = db::open_existing(db_path)?;
    if users::user_id(&conn, &a.account)?.is_some() {
        bail!("user `{}` exists already (`impex user grant` gives it another role, `impex user passwd` a new password)", a.account);
    }
    if users::role_id(&conn, &a.role)?.is_none() {
        bail!("no role `{}` (roles: {})", a.role, users::role_names(&conn)?.join(", "));
    }
    let password = read_password(&a.account)?;
    let tx = conn.write()?;
    let new = NewAccount {
        account: &a.account,
        password: &password,
        role: &a.role,
        target: a.target.target(),
        email: a.email.as_deref(),
        first_name: a.first_name.as_deref(),
        last_name: a.last_name.as_deref(),
        company_name: a.company_name.as_deref(),
    };
    let g = admin::add_user(&tx, &new)?;
    tx.commit()?;
    println!("added user {} (\"UserDO\" id {}) with {}", a.account, g.user_id, granted(&a.role, &g));
    Ok(Status::Ok)
}

fn grant(db_path: &Path, a: GrantArgs) -> anyhow::Result<Status> {
    let mut conn = db::open_existing(db_path)?;
    let tx = conn.write()?;
    let g = admin::grant(&tx, &a.account, &a.role, &a.target.target())?;
    tx.commit()?;
    println!("user {} has {}", a.account, granted(&a.role, &g));
    Ok(Status::Ok)
}

fn passwd(db_path: &Path, a: AccountArgs) -> anyhow::Result<Status> {
    let mut conn = db::open_existing(db_path)?;
    if users::user_id(&conn, &a.account)?.is_none() {
        bail!("no user `{}`", a.account);
    }
    let password = read_password(&a.account)?;
    let tx = conn.write()?;
    admin::set_password(&tx, &a.account, &password)?;
    tx.commit()?;
    println!("password of {} changed", a.account);
    Ok(Status::Ok)
}

fn set_active(db_path: &Path, a: AccountArgs, active: bool) -> anyhow::Result<Status> {
    let mut conn = db::open_existing(db_path)?;
    let tx = conn.write()?;
    admin::set_active(&tx, &a.account, active)?;
    tx.commit()?;
    println!("user {} {}", a.account, if active { "enabled" } else { "disabled" });
    Ok(Status::Ok)
}

fn unblock(db_path: &Path, a: AccountArgs) -> anyhow::Result<Status> {
    let mut conn = db::open_existing(db_path)?;
    let tx = conn.write()?;
    let was = admin::unblock(&tx, &a.account)?;
    tx.commit()?;
    if was {
        println!("user {} unblocked; its failed logins are forgotten", a.account);
    } else {
        println!("user {} was not blocked and had no failed logins", a.account);
    }
    Ok(Status::Ok)
}

fn list(db_path: &Path, a: ListArgs) -> anyhow::Result<Status> {
    let conn = db::open_existing(db_path)?;
    let all = users::list(&conn)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "users": all }))?);
        return Ok(Status::Ok);
    }
    println!("{:<24}  {:<8}  {:<32}  {:>8}  {:<26}  roles", "account", "state", "email", "failures", "blocked since");
    for u in &all {
        let state = match (u.active, u.blocked_since.is_some()) {
            (false, _) => "disabled",
            (true, true) => "blocked",
            (true, false) => "active",
        };
        println!(
            "{:<24}  {:<8}  {:<32}  {:>8}  {:<26}  {}",
            u.account_name,
            state,
            u.email.as_deref().unwrap_or(""),
            u.failed_logins,
            u.blocked_since.as_deref().unwrap_or(""),
            u.roles.join(", ")
        );
    }
    println!("{} user{}", all.len(), if all.len() == 1 { "" } else { "s" });
    Ok(Status::Ok)
}
