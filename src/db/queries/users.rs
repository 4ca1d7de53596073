//! Users, roles, rights and organizations (IOM's user model, docs/api.md "Users, roles and
//! rights"): what `src/auth` reads to authenticate and authorize, and what `impex user` writes.
//! The lockout and activity columns of `"UserDO"` change in [`crate::db::state::user`] only.
use crate::db::{params, Optional};

use crate::db::{Conn, StoreError, StoreErrorKind, StoreResult};

/// What a login needs of a `"UserDO"` row.
#[derive(Debug, Clone)]
pub struct LoginRow {
    pub id: i64,
    pub account: String,
    pub active: bool,
    /// The Argon2id PHC string; None: the account has no password (no login possible).
    pub crypted_password: Option<String>,
    pub failed_logins: i64,
    pub last_failed_login: Option<String>,
    pub blocked_since: Option<String>,
    /// `"AuthVersionDO"."version"`: changes whenever a table that grants rights changes, so a
    /// principal loaded at the same version is still right.
    pub rights_version: i64,
}

/// The row of an account name (exact match), if there is one.
pub fn login_row(conn: &Conn, account: &str) -> StoreResult<Option<LoginRow>> {
    Ok(conn
        .query_row(r#"SELECT "id", "accountName", "active", "cryptedPassword", "failedLogins", "lastFailedLogin", "blockedSince",
                      coalesce((SELECT "version" FROM "AuthVersionDO" WHERE "id" = 1), 0)
               FROM "UserDO" WHERE "accountName" = ?1"#, params![account], |r| {
            Ok(LoginRow {
                id: r.get(0)?,
                account: r.get(1)?,
                active: r.get::<i64>(2)? == 1,
                crypted_password: r.get(3)?,
                failed_logins: r.get(4)?,
                last_failed_login: r.get(5)?,
                blocked_since: r.get(6)?,
                rights_version: r.get(7)?,
            })
        })
        .optional()?)
}

/// The id of an account, if it exists.
pub fn user_id(conn: &Conn, account: &str) -> StoreResult<Option<i64>> {
    Ok(conn.query_row(r#"SELECT "id" FROM "UserDO" WHERE "accountName" = ?1"#, params![account], |r| r.get(0)).optional()?)
}

/// The names of the rights the user holds through roles in no organization (`"User2RoleDO"`):
/// they cover every shop and supplier.
pub fn global_rights(conn: &Conn, user_id: i64) -> StoreResult<Vec<String>> {
    conn.query_map(r#"SELECT DISTINCT d."name" FROM "User2RoleDO" ur
             JOIN "Role2RightDO" rr ON rr."roleRef" = ur."roleRef"
             JOIN "RightDefDO" d ON d."id" = rr."rightDefRef"
           WHERE ur."userRef" = ?1 ORDER BY d."name""#, params![user_id], |r| r.get(0))
}

/// A right the user holds for one shop or one supplier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedRight {
    pub right: String,
    pub shop_id: Option<i64>,
    pub supplier_id: Option<i64>,
}

/// The rights the user holds through roles in organizations (`"User2Role2OrganizationDO"`),
/// for each shop and supplier they cover: the organization's own shop or supplier, those of
/// its descendants by `"OrganizationDO"."parentId"`, and the descendants of a covered shop by
/// `"ShopDO"."parentRef"` (whether or not they have an organization yet).
pub fn scoped_rights(conn: &Conn, user_id: i64) -> StoreResult<Vec<ScopedRight>> {
    conn.query_map(r#"WITH RECURSIVE
             covered("org", "role") AS (
               SELECT "organizationRef", "roleRef" FROM "User2Role2OrganizationDO" WHERE "userRef" = ?1
               UNION
               SELECT o."id", c."role" FROM "OrganizationDO" o JOIN covered c ON o."parentId" = c."org"
             ),
             shops("shop", "role") AS (
               SELECT o."shopId", c."role" FROM covered c JOIN "OrganizationDO" o ON o."id" = c."org"
                WHERE o."shopId" IS NOT NULL
               UNION
               SELECT s."id", sh."role" FROM "ShopDO" s JOIN shops sh ON s."parentRef" = sh."shop"
             )
           SELECT DISTINCT d."name", sh."shop", CAST(NULL AS INTEGER) FROM shops sh
             JOIN "Role2RightDO" rr ON rr."roleRef" = sh."role" JOIN "RightDefDO" d ON d."id" = rr."rightDefRef"
           UNION
           SELECT DISTINCT d."name", CAST(NULL AS INTEGER), o."supplierId" FROM covered c JOIN "OrganizationDO" o ON o."id" = c."org"
             JOIN "Role2RightDO" rr ON rr."roleRef" = c."role" JOIN "RightDefDO" d ON d."id" = rr."rightDefRef"
            WHERE o."supplierId" IS NOT NULL"#, params![user_id], |r| Ok(ScopedRight { right: r.get(0)?, shop_id: r.get(1)?, supplier_id: r.get(2)? }))
}

/// The names of the organizations the user has a role in.
pub fn organization_names(conn: &Conn, user_id: i64) -> StoreResult<Vec<String>> {
    conn.query_map(r#"SELECT DISTINCT o."name" FROM "User2Role2OrganizationDO" u JOIN "OrganizationDO" o ON o."id" = u."organizationRef"
           WHERE u."userRef" = ?1 ORDER BY o."name""#, params![user_id], |r| r.get(0))
}

/// The id of a role by its name (exact).
pub fn role_id(conn: &Conn, name: &str) -> StoreResult<Option<i64>> {
    Ok(conn.query_row(r#"SELECT "id" FROM "RoleDO" WHERE "name" = ?1"#, params![name], |r| r.get(0)).optional()?)
}

/// Every role's name.
pub fn role_names(conn: &Conn) -> StoreResult<Vec<String>> {
    conn.query_map(r#"SELECT "name" FROM "RoleDO" ORDER BY "name""#, params![], |r| r.get(0))
}

/// Every right's name (`"RightDefDO"`).
pub fn right_names(conn: &Conn) -> StoreResult<Vec<String>> {
    conn.query_map(r#"SELECT "name" FROM "RightDefDO" ORDER BY "id" DESC"#, params![], |r| r.get(0))
}

/// The id of an organization by its name.
pub fn organization_by_name(conn: &Conn, name: &str) -> StoreResult<Option<i64>> {
    Ok(conn.query_row(r#"SELECT "id" FROM "OrganizationDO" WHERE "name" = ?1"#, params![name], |r| r.get(0)).optional()?)
}

/// Creates an organization of neither a shop nor a supplier (one that groups others through
/// their `"parentId"`).
pub fn create_organization(conn: &Conn, name: &str) -> StoreResult<i64> {
    conn.insert(r#"INSERT INTO "OrganizationDO" ("name") VALUES (?1)"#, params![name])
}

/// A free organization name: `name`, or `name (kind id)` if another organization has it.
fn free_name(conn: &Conn, name: &str, kind: &str, id: i64) -> StoreResult<String> {
    Ok(match organization_by_name(conn, name)? {
        None => name.to_string(),
        Some(_) => format!("{name} ({kind} {id})"),
    })
}

/// The organization of a shop, made if missing, and those of its parent shops
/// (`"ShopDO"."parentRef"`), whose organization becomes its `"parentId"` (also corrected on an
/// existing row). None: no such shop.
pub fn ensure_shop_organization(conn: &Conn, shop_id: i64) -> StoreResult<Option<i64>> {
    ensure_shop_organization_at(conn, shop_id, 0)
}

fn ensure_shop_organization_at(conn: &Conn, shop_id: i64, depth: u32) -> StoreResult<Option<i64>> {
    if depth > 64 {
        return Err(StoreError::new(StoreErrorKind::Other, format!("\"ShopDO\" {shop_id}: \"parentRef\" forms a circle")));
    }
    let shop: Option<(String, Option<i64>)> = conn
        .query_row(r#"SELECT "name", "parentRef" FROM "ShopDO" WHERE "id" = ?1"#, params![shop_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((name, parent_shop)) = shop else { return Ok(None) };
    let parent_org = match parent_shop {
        Some(p) if p != shop_id => ensure_shop_organization_at(conn, p, depth + 1)?,
        _ => None,
    };
    let existing: Option<i64> = conn.query_row(r#"SELECT "id" FROM "OrganizationDO" WHERE "shopId" = ?1"#, params![shop_id], |r| r.get(0)).optional()?;
    if let Some(id) = existing {
        conn.execute(r#"UPDATE "OrganizationDO" SET "parentId" = ?2 WHERE "id" = ?1 AND "parentId" IS NOT ?2"#, params![id, parent_org])?;
        return Ok(Some(id));
    }
    let name = free_name(conn, &name, "shop", shop_id)?;
    conn.insert(r#"INSERT INTO "OrganizationDO" ("name", "shopId", "parentId") VALUES (?1, ?2, ?3)"#, params![name, shop_id, parent_org]).map(Some)
}

/// The organization of a supplier, made if missing. None: no such supplier.
pub fn ensure_supplier_organization(conn: &Conn, supplier_id: i64) -> StoreResult<Option<i64>> {
    let name: Option<String> = conn.query_row(r#"SELECT "name" FROM "SupplierDO" WHERE "id" = ?1"#, params![supplier_id], |r| r.get(0)).optional()?;
    let Some(name) = name else { return Ok(None) };
    let existing: Option<i64> = conn.query_row(r#"SELECT "id" FROM "OrganizationDO" WHERE "supplierId" = ?1"#, params![supplier_id], |r| r.get(0)).optional()?;
    if existing.is_some() {
        return Ok(existing);
    }
    let name = free_name(conn, &name, "supplier", supplier_id)?;
    conn.insert(r#"INSERT INTO "OrganizationDO" ("name", "supplierId") VALUES (?1, ?2)"#, params![name, supplier_id]).map(Some)
}

/// A user to add. The password is already hashed.
#[derive(Debug, Clone, Default)]
pub struct NewUser<'a> {
    pub account: &'a str,
    pub crypted_password: &'a str,
    pub email: Option<&'a str>,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub company_name: Option<&'a str>,
}

/// Adds a user (active, no failed logins); returns its id. An existing account name is a
/// `Constraint` error.
pub fn insert_user(conn: &Conn, u: &NewUser<'_>) -> StoreResult<i64> {
    conn.insert(
        r#"INSERT INTO "UserDO" ("accountName", "cryptedPassword", "hashSalt", "email", "firstName", "lastName", "companyName")
           VALUES (?1, ?2, NULL, ?3, ?4, ?5, ?6)"#,
        params![u.account, u.crypted_password, u.email, u.first_name, u.last_name, u.company_name],
    )
}

/// Gives the user a role in no organization (every shop and supplier). False: it had it.
pub fn grant_role(conn: &Conn, user_id: i64, role_id: i64) -> StoreResult<bool> {
    Ok(conn.execute(r#"INSERT OR IGNORE INTO "User2RoleDO" ("userRef", "roleRef") VALUES (?1, ?2)"#, params![user_id, role_id])? == 1)
}

/// Gives the user a role in an organization (and makes it a member, `"User2OrganizationDO"`).
/// False: it had it.
pub fn grant_role_in_organization(conn: &Conn, user_id: i64, role_id: i64, organization_id: i64) -> StoreResult<bool> {
    conn.execute(r#"INSERT OR IGNORE INTO "User2OrganizationDO" ("userRef", "organizationRef") VALUES (?1, ?2)"#, params![user_id, organization_id])?;
    Ok(conn.execute(
        r#"INSERT OR IGNORE INTO "User2Role2OrganizationDO" ("userRef", "roleRef", "organizationRef") VALUES (?1, ?2, ?3)"#,
        params![user_id, role_id, organization_id],
    )? == 1)
}

/// A user as `impex user list` shows it: never the password hash.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSummary {
    pub id: i64,
    pub account_name: String,
    pub active: bool,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_name: Option<String>,
    pub failed_logins: i64,
    pub last_failed_login: Option<String>,
    pub blocked_since: Option<String>,
    pub has_password: bool,
    /// `Role` (in no organization) or `Role@Organization`.
    pub roles: Vec<String>,
}

/// Every user, by account name.
pub fn list(conn: &Conn) -> StoreResult<Vec<UserSummary>> {
    let st_sql = r#"SELECT u."id", u."accountName", u."active", u."email", u."firstName", u."lastName", u."companyName",
                  u."failedLogins", u."lastFailedLogin", u."blockedSince", u."cryptedPassword" IS NOT NULL
           FROM "UserDO" u ORDER BY u."accountName""#;
    let mut users = conn.query_map(st_sql, params![], |r| {
            Ok(UserSummary {
                id: r.get(0)?,
                account_name: r.get(1)?,
                active: r.get::<i64>(2)? == 1,
                email: r.get(3)?,
                first_name: r.get(4)?,
                last_name: r.get(5)?,
                company_name: r.get(6)?,
                failed_logins: r.get(7)?,
                last_failed_login: r.get(8)?,
                blocked_since: r.get(9)?,
                has_password: r.get(10)?,
                roles: Vec::new(),
            })
        })?;
    let roles_sql = r#"SELECT r."name" FROM "User2RoleDO" ur JOIN "RoleDO" r ON r."id" = ur."roleRef" WHERE ur."userRef" = ?1
           UNION ALL
           SELECT r."name" || '@' || o."name" FROM "User2Role2OrganizationDO" u
             JOIN "RoleDO" r ON r."id" = u."roleRef" JOIN "OrganizationDO" o ON o."id" = u."organizationRef"
           WHERE u."userRef" = ?1"#;
    for u in &mut users {
        u.roles = conn.query_map(roles_sql, params![u.id], |r| r.get(0))?;
        u.roles.sort();
    }
    Ok(users)
}

/// The name of an organization.
pub fn organization_name(conn: &Conn, id: i64) -> StoreResult<Option<String>> {
    Ok(conn.query_row(r#"SELECT "name" FROM "OrganizationDO" WHERE "id" = ?1"#, params![id], |r| r.get(0)).optional()?)
}
