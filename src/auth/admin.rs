//! Managing users (`impex user`, and later the API): add one with a role, change its
//! password, disable, enable and unblock it. Each function works inside the caller's unit of
//! work.
use crate::auth::password::{hash_password, PasswordError};
use crate::db::queries::users;
use crate::db::state::user as user_state;
use crate::db::{Conn, StoreError, StoreErrorKind};

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no user `{0}`")]
    UnknownAccount(String),
    #[error("user `{0}` exists already")]
    AccountExists(String),
    #[error("no role `{role}` (roles: {})", known.join(", "))]
    UnknownRole { role: String, known: Vec<String> },
    #[error("no shop with id {0} (\"ShopDO\")")]
    UnknownShop(i64),
    #[error("no supplier with id {0} (\"SupplierDO\")")]
    UnknownSupplier(i64),
    #[error("the password is empty")]
    EmptyPassword,
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// Where a role applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every shop and supplier (`"User2RoleDO"`).
    Everywhere,
    /// A shop's organization (made if missing), which covers its child shops too.
    Shop(i64),
    /// A supplier's organization (made if missing).
    Supplier(i64),
    /// An organization by name (made, without shop or supplier, if missing).
    Organization(String),
}

/// A user to add.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub account: &'a str,
    pub password: &'a str,
    pub role: &'a str,
    pub target: Target,
    pub email: Option<&'a str>,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub company_name: Option<&'a str>,
}

/// A role given: the user, and the organization it applies in (None: everywhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    pub user_id: i64,
    pub organization: Option<String>,
}

fn user_id(conn: &Conn, account: &str) -> Result<i64, AdminError> {
    users::user_id(conn, account)?.ok_or_else(|| AdminError::UnknownAccount(account.to_string()))
}

/// Adds a user with one role.
pub fn add_user(conn: &Conn, a: &NewAccount<'_>) -> Result<Granted, AdminError> {
    if a.password.is_empty() {
        return Err(AdminError::EmptyPassword);
    }
    if users::user_id(conn, a.account)?.is_some() {
        return Err(AdminError::AccountExists(a.account.to_string()));
    }
    let crypted = hash_password(a.password)?;
    let user = users::NewUser {
        account: a.account,
        crypted_password: &crypted,
        email: a.email,
        first_name: a.first_name,
        last_name: a.last_name,
        company_name: a.company_name,
    };
    let id = users::insert_user(conn, &user).map_err(|e| match e.kind {
        StoreErrorKind::Constraint => AdminError::AccountExists(a.account.to_string()),
        _ => e.into(),
    })?;
    grant_to(conn, id, a.role, &a.target)
}

/// Gives an existing user one more role.
pub fn grant(conn: &Conn, account: &str, role: &str, target: &Target) -> Result<Granted, AdminError> {
    let id = user_id(conn, account)?;
    grant_to(conn, id, role, target)
}

fn grant_to(conn: &Conn, user_id: i64, role: &str, target: &Target) -> Result<Granted, AdminError> {
    let role_id = users::role_id(conn, role)?.ok_or_else(|| AdminError::UnknownRole { role: role.to_string(), known: users::role_names(conn).unwrap_or_default() })?;
    let organization = match target {
        Target::Everywhere => {
            users::grant_role(conn, user_id, role_id)?;
            return Ok(Granted { user_id, organization: None });
        }
        Target::Shop(s) => users::ensure_shop_organization(conn, *s)?.ok_or(AdminError::UnknownShop(*s))?,
        Target::Supplier(s) => users::ensure_supplier_organization(conn, *s)?.ok_or(AdminError::UnknownSupplier(*s))?,
        Target::Organization(name) => match users::organization_by_name(conn, name)? {
            Some(id) => id,
            None => users::create_organization(conn, name)?,
        },
    };
    users::grant_role_in_organization(conn, user_id, role_id, organization)?;
    Ok(Granted { user_id, organization: users::organization_name(conn, organization)? })
}

/// A new password (a new salt and hash; cached verifications of the old one miss).
pub fn set_password(conn: &Conn, account: &str, password: &str) -> Result<(), AdminError> {
    if password.is_empty() {
        return Err(AdminError::EmptyPassword);
    }
    let id = user_id(conn, account)?;
    let crypted = hash_password(password)?;
    Ok(user_state::set_password(conn, id, &crypted, &crate::time::now_text())?)
}

/// Enables or disables an account.
pub fn set_active(conn: &Conn, account: &str, active: bool) -> Result<(), AdminError> {
    let id = user_id(conn, account)?;
    Ok(user_state::set_active(conn, id, active, &crate::time::now_text())?)
}

/// Ends a block and forgets failed logins. False: there was neither.
pub fn unblock(conn: &Conn, account: &str) -> Result<bool, AdminError> {
    let id = user_id(conn, account)?;
    Ok(user_state::unblock(conn, id, None, &crate::time::now_text())?)
}
