//! The authenticator against a database in memory with the reference data.
use std::collections::BTreeSet;

use chrono::{Duration as Span, Utc};

use super::admin::{self, NewAccount, Target};
use super::*;
use crate::db::{self, Conn};

fn conn() -> Conn {
    let c = db::memory();
    c.execute_batch(db::seed::REFERENCE).unwrap();
    c.execute_batch(
        r#"INSERT INTO "ShopDO" ("id", "name", "parentRef") VALUES (100, 'inSPIRED', NULL), (10000, 'inTRONICS', 100), (20000, 'other', NULL), (10001, 'inTRONICS B2B', 10000);
           INSERT INTO "SupplierDO" ("id", "name") VALUES (5000, 'inTRONICS Distribution'), (6000, 'elsewhere');"#,
    )
    .unwrap();
    c
}

fn add(c: &Conn, account: &str, password: &str, role: &str, target: Target) {
    admin::add_user(c, &NewAccount { account, password, role, target, email: None, first_name: None, last_name: None, company_name: None }).unwrap();
}

fn failed_logins(c: &Conn, account: &str) -> i64 {
    c.query_i64(r#"SELECT "failedLogins" FROM "UserDO" WHERE "accountName" = ?1"#, &[&account]).unwrap()
}

#[test]
fn the_rights_enum_and_the_seeds_agree() {
    let c = conn();
    let seeded: BTreeSet<String> = db::queries::users::right_names(&c).unwrap().into_iter().collect();
    let known: BTreeSet<String> = Right::ALL.iter().map(|r| r.as_str().to_string()).collect();
    assert_eq!(seeded, known);
    for r in Right::ALL {
        let name = c.query_value(r#"SELECT "name" FROM "RightDefDO" WHERE "id" = ?1"#, &[&r.id()]).unwrap();
        assert_eq!(name.as_str(), Some(r.as_str()), "id {}", r.id());
    }
}

#[test]
fn authenticator_is_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Authenticator>();
}

#[test]
fn right_password_wrong_password_unknown_and_disabled() {
    let c = conn();
    add(&c, "shop", "s3cret", "ShopServiceClient", Target::Shop(10000));
    let auth = Authenticator::default();
    let p = auth.authenticate(&c, "shop", "s3cret").unwrap();
    assert_eq!(p.account, "shop");
    assert!(matches!(auth.authenticate(&c, "shop", "wrong"), Err(AuthError::Unauthorized)));
    assert!(matches!(auth.authenticate(&c, "nobody", "s3cret"), Err(AuthError::Unauthorized)));
    assert!(matches!(auth.authenticate(&c, "Shop", "s3cret"), Err(AuthError::Unauthorized)), "account names are exact");
    admin::set_active(&c, "shop", false).unwrap();
    let e = auth.authenticate(&c, "shop", "s3cret").unwrap_err();
    assert!(matches!(e, AuthError::Unauthorized));
    assert_eq!(e.to_string(), AuthError::Unauthorized.to_string(), "one message for all");
    admin::set_active(&c, "shop", true).unwrap();
    assert!(auth.authenticate(&c, "shop", "s3cret").is_ok());
    let stored = c.query_value(r#"SELECT "cryptedPassword" FROM "UserDO""#, &[]).unwrap();
    assert!(stored.as_str().unwrap().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert_eq!(c.query_value(r#"SELECT "hashSalt" FROM "UserDO""#, &[]).unwrap(), db::Value::Null);
}

#[test]
fn an_unknown_account_costs_about_as_much_as_a_wrong_password() {
    let c = conn();
    add(&c, "shop", "s3cret", "ShopServiceClient", Target::Shop(10000));
    let auth = Authenticator::new(AuthConfig { lockout: Lockout { max_failures: 1000, ..Lockout::default() }, ..AuthConfig::default() });
    let time = |account: &str| {
        let t = std::time::Instant::now();
        for _ in 0..3 {
            assert!(auth.authenticate(&c, account, "wrong").is_err());
        }
        t.elapsed()
    };
    let (known, unknown) = (time("shop"), time("nobody"));
    assert!(unknown * 3 > known && known * 3 > unknown, "known {known:?}, unknown {unknown:?}");
}

#[test]
fn the_cache_skips_argon2_and_misses_after_a_password_change() {
    let c = conn();
    add(&c, "shop", "s3cret", "ShopServiceClient", Target::Shop(10000));
    let auth = Authenticator::default();
    let t = Utc::now();
    assert!(!auth.is_cached(&c, "shop", "s3cret", t));
    auth.authenticate_at(&c, "shop", "s3cret", t).unwrap();
    assert!(auth.is_cached(&c, "shop", "s3cret", t));
    assert!(!auth.is_cached(&c, "shop", "other", t));
    // a hit is much cheaper than a verification
    let start = std::time::Instant::now();
    for _ in 0..20 {
        auth.authenticate_at(&c, "shop", "s3cret", t).unwrap();
    }
    let hits = start.elapsed();
    let start = std::time::Instant::now();
    assert!(verify_password("s3cret", c.query_value(r#"SELECT "cryptedPassword" FROM "UserDO""#, &[]).unwrap().as_str().unwrap()));
    assert!(hits < start.elapsed() * 5, "20 cached logins took {hits:?}");
    // expires
    assert!(!auth.is_cached(&c, "shop", "s3cret", t + Span::seconds(61)));
    // the password changes (here or in another process): the old one misses and is refused
    admin::set_password(&c, "shop", "n3w").unwrap();
    assert!(!auth.is_cached(&c, "shop", "s3cret", t));
    assert!(matches!(auth.authenticate_at(&c, "shop", "s3cret", t), Err(AuthError::Unauthorized)));
    assert!(auth.authenticate_at(&c, "shop", "n3w", t).is_ok());
    // disabled: refused although cached
    admin::set_active(&c, "shop", false).unwrap();
    assert!(matches!(auth.authenticate_at(&c, "shop", "n3w", t), Err(AuthError::Unauthorized)));
}

#[test]
fn failed_logins_in_the_window_block_the_account() {
    let c = conn();
    add(&c, "shop", "s3cret", "ShopServiceClient", Target::Shop(10000));
    let auth = Authenticator::default();
    let t0 = Utc::now();
    // four failures, then a success: the count starts again
    for i in 0..4 {
        assert!(matches!(auth.authenticate_at(&c, "shop", "wrong", t0 + Span::seconds(i)), Err(AuthError::Unauthorized)));
    }
    assert_eq!(failed_logins(&c, "shop"), 4);
    auth.authenticate_at(&c, "shop", "s3cret", t0 + Span::seconds(5)).unwrap();
    assert_eq!(failed_logins(&c, "shop"), 0);
    // failures further apart than the window do not add up
    for i in 0..6 {
        assert!(matches!(auth.authenticate_at(&c, "shop", "wrong", t0 + Span::minutes(16 * (i + 1))), Err(AuthError::Unauthorized)));
        assert_eq!(failed_logins(&c, "shop"), 1);
    }
    // five within 15 minutes block, even the right password
    let t1 = t0 + Span::hours(5);
    for i in 0..5 {
        assert!(matches!(auth.authenticate_at(&c, "shop", "wrong", t1 + Span::minutes(i * 3)), Err(AuthError::Unauthorized)));
    }
    assert!(matches!(auth.authenticate_at(&c, "shop", "s3cret", t1 + Span::minutes(13)), Err(AuthError::Blocked)));
    assert!(matches!(auth.authenticate_at(&c, "shop", "wrong", t1 + Span::minutes(14)), Err(AuthError::Blocked)));
    assert_eq!(failed_logins(&c, "shop"), 5, "attempts on a blocked account are not verified");
    // another process (another authenticator) sees the block
    assert!(matches!(Authenticator::default().authenticate_at(&c, "shop", "s3cret", t1 + Span::minutes(14)), Err(AuthError::Blocked)));
    // the block ends after 15 minutes
    auth.authenticate_at(&c, "shop", "s3cret", t1 + Span::minutes(12 + 16)).unwrap();
    assert_eq!(failed_logins(&c, "shop"), 0);
    assert_eq!(c.query_value(r#"SELECT "blockedSince" FROM "UserDO""#, &[]).unwrap(), db::Value::Null);
}

#[test]
fn a_block_without_end_lasts_until_unblocked_and_a_cached_login_is_blocked_too() {
    let c = conn();
    add(&c, "shop", "s3cret", "ShopServiceClient", Target::Shop(10000));
    let auth = Authenticator::new(AuthConfig { lockout: Lockout { max_failures: 3, block_for: None, ..Lockout::default() }, ..AuthConfig::default() });
    let t = Utc::now();
    auth.authenticate_at(&c, "shop", "s3cret", t).unwrap();
    for _ in 0..3 {
        let _ = auth.authenticate_at(&c, "shop", "wrong", t);
    }
    assert!(matches!(auth.authenticate_at(&c, "shop", "s3cret", t), Err(AuthError::Blocked)), "the cache does not bypass a block");
    assert!(matches!(auth.authenticate_at(&c, "shop", "s3cret", t + Span::days(30)), Err(AuthError::Blocked)));
    assert!(admin::unblock(&c, "shop").unwrap());
    assert!(!admin::unblock(&c, "shop").unwrap(), "nothing to unblock");
    auth.authenticate_at(&c, "shop", "s3cret", t + Span::days(30)).unwrap();
}

#[test]
fn rights_for_a_shop_its_child_shops_and_not_other_shops() {
    let c = conn();
    add(&c, "parent", "p", "ShopServiceClient", Target::Shop(100));
    add(&c, "child", "p", "ShopServiceClient", Target::Shop(10000));
    add(&c, "supplier", "p", "ShopServiceClient", Target::Supplier(5000));
    add(&c, "ops", "p", "Operator", Target::Everywhere);
    let auth = Authenticator::default();

    let parent = auth.authenticate(&c, "parent", "p").unwrap();
    assert!(parent.may(Right::AtpRead) && !parent.may(Right::SchedulesRead) && !parent.may(Right::HealthRead));
    assert!(parent.may_for_shop(Right::AtpRead, 100));
    assert!(parent.may_for_shop(Right::AtpRead, 10000), "a child shop");
    assert!(parent.may_for_shop(Right::OrdersWrite, 10001), "a grandchild shop without an organization of its own");
    assert!(!parent.may_for_shop(Right::AtpRead, 20000), "another shop");
    assert!(!parent.may_for_shop(Right::SchedulesWrite, 100), "a right of no role of the user");
    assert!(!parent.may_for_supplier(Right::AtpRead, 5000));
    assert_eq!(parent.shops_for(Right::RmaWrite), Scope::Only([100, 10000, 10001].into()));
    assert_eq!(parent.organizations, ["inSPIRED"]);

    let child = auth.authenticate(&c, "child", "p").unwrap();
    assert!(child.may_for_shop(Right::AtpRead, 10000) && child.may_for_shop(Right::AtpRead, 10001));
    assert!(!child.may_for_shop(Right::AtpRead, 100), "not the parent shop");
    // the child shop's organization has the parent's as its parent
    let parent_of = c.query_value(r#"SELECT p."name" FROM "OrganizationDO" o JOIN "OrganizationDO" p ON p."id" = o."parentId" WHERE o."shopId" = 10000"#, &[]).unwrap();
    assert_eq!(parent_of.as_str(), Some("inSPIRED"));

    let supplier = auth.authenticate(&c, "supplier", "p").unwrap();
    assert!(supplier.may_for_supplier(Right::AtpRead, 5000) && !supplier.may_for_supplier(Right::AtpRead, 6000));
    assert!(!supplier.may_for_shop(Right::AtpRead, 10000));

    let ops = auth.authenticate(&c, "ops", "p").unwrap();
    assert!(ops.may(Right::SchedulesWrite) && ops.may_everywhere(Right::HealthRead) && ops.may_for_shop(Right::TransmissionsRead, 20000));
    assert!(!ops.may(Right::AtpRead) && !ops.may_for_shop(Right::AtpRead, 100));
    assert_eq!(ops.shops_for(Right::TransmissionsRead), Scope::All);

    // a grouping organization above shop organizations covers them
    admin::grant(&c, "ops", "ShopServiceClient", &Target::Organization("all shops".into())).unwrap();
    c.execute(r#"UPDATE "OrganizationDO" SET "parentId" = (SELECT "id" FROM "OrganizationDO" WHERE "name" = 'all shops') WHERE "shopId" = 100"#, &[]).unwrap();
    let ops = auth.authenticate(&c, "ops", "p").unwrap();
    assert!(ops.may_for_shop(Right::AtpRead, 10001) && !ops.may_for_shop(Right::AtpRead, 20000));
}

#[test]
fn adding_refuses_unknown_roles_shops_and_existing_accounts() {
    let c = conn();
    add(&c, "shop", "p", "ShopServiceClient", Target::Shop(10000));
    let new = |account, role, target| NewAccount { account, password: "p", role, target, email: None, first_name: None, last_name: None, company_name: None };
    let e = admin::add_user(&c, &new("shop", "ShopServiceClient", Target::Shop(10000))).unwrap_err();
    assert!(matches!(e, admin::AdminError::AccountExists(_)), "{e}");
    let e = admin::add_user(&c, &new("x", "Nope", Target::Shop(10000))).unwrap_err();
    assert!(e.to_string().contains("ShopServiceClient"), "{e}");
    assert!(matches!(admin::add_user(&c, &new("y", "Operator", Target::Shop(424242))), Err(admin::AdminError::UnknownShop(424242))));
    assert!(matches!(admin::add_user(&c, &new("z", "Operator", Target::Supplier(424242))), Err(admin::AdminError::UnknownSupplier(424242))));
    assert!(matches!(admin::set_password(&c, "shop", ""), Err(admin::AdminError::EmptyPassword)));
}
