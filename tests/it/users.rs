//! `impex user`: the users of the REST API through the real binary. The password comes on
//! standard input and never shows in stdout, stderr or the logs; the database holds an
//! Argon2id PHC string; the library's authenticator sees every change.
use std::io::Write;
use std::process::{Output, Stdio};

use crate::support::env::TestEnv;
use impex::auth::{AuthError, Authenticator, Right};

const PASSWORD: &str = "Tr0ub4dor&3-secret";
const NEW_PASSWORD: &str = "correct-horse-battery-staple";

/// `impex user ARGS` with `stdin` on standard input and every log line on stderr.
fn user(env: &TestEnv, args: &[&str], stdin: &str) -> Output {
    let mut all = vec!["user"];
    all.extend_from_slice(args);
    let mut child = env
        .cmd(&all)
        .env("IMPEX_LOG", "trace")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn impex user");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// Runs, asserts success and that no password or hash is in the output; returns stdout.
fn user_ok(env: &TestEnv, args: &[&str], stdin: &str) -> String {
    let out = user(env, args, stdin);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert!(out.status.success(), "impex user {args:?} failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    no_secrets(&stdout);
    no_secrets(&stderr);
    stdout
}

fn no_secrets(text: &str) {
    for secret in [PASSWORD, NEW_PASSWORD, "$argon2"] {
        assert!(!text.contains(secret), "`{secret}` in the output:\n{text}");
    }
}

fn stored_hash(env: &TestEnv, account: &str) -> String {
    env.query_string(&format!(r#"SELECT "cryptedPassword" FROM "UserDO" WHERE "accountName" = '{account}'"#))
}

#[test]
fn users_are_added_listed_changed_disabled_and_unblocked_without_showing_a_password() {
    let env = TestEnv::new(true);
    let out = user_ok(&env, &["add", "shop-tech", "--role", "ShopServiceClient", "--shop", "10000", "--email", "tech@example.com"], &format!("{PASSWORD}\n"));
    assert!(out.contains("added user shop-tech") && out.contains("inTRONICS"), "{out}");
    user_ok(&env, &["add", "ops", "--role", "Operator"], &format!("{PASSWORD}\r\nignored second line\n"));

    // the stored value is an Argon2id PHC string with its own salt; "hashSalt" stays NULL
    let hash = stored_hash(&env, "shop-tech");
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert_ne!(hash, stored_hash(&env, "ops"), "a salt per password");
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "UserDO" WHERE "hashSalt" IS NOT NULL"#), 0);
    // the organizations of the shop and of its parent shop were made
    assert_eq!(
        env.query_string(r#"SELECT p."name" FROM "OrganizationDO" o JOIN "OrganizationDO" p ON p."id" = o."parentId" WHERE o."shopId" = 10000"#),
        "inSPIRED"
    );

    // list, as text and JSON: no hash
    let list = user_ok(&env, &["list"], "");
    assert!(list.contains("shop-tech") && list.contains("ShopServiceClient@inTRONICS") && list.contains("tech@example.com"), "{list}");
    let json: serde_json::Value = serde_json::from_str(&user_ok(&env, &["list", "--json"], "")).unwrap();
    let users = json["users"].as_array().unwrap();
    assert_eq!(users.len(), 2);
    assert!(users.iter().all(|u| u.get("cryptedPassword").is_none() && u["hasPassword"] == true), "{json}");

    // the library authenticates against what the command wrote (the line end is not part of it)
    let auth = Authenticator::default();
    let conn = impex::db::open_existing(&env.db()).unwrap();
    let p = auth.authenticate(&conn, "shop-tech", PASSWORD).unwrap();
    assert!(p.may_for_shop(Right::AtpRead, 10000) && !p.may_for_shop(Right::AtpRead, 100));
    assert!(auth.authenticate(&conn, "ops", PASSWORD).unwrap().may_everywhere(Right::SchedulesWrite));

    // passwd: a new hash; the old password (though cached) is refused at once
    user_ok(&env, &["passwd", "shop-tech"], &format!("{NEW_PASSWORD}\n"));
    let new_hash = stored_hash(&env, "shop-tech");
    assert!(new_hash.starts_with("$argon2id$") && new_hash != hash);
    assert!(matches!(auth.authenticate(&conn, "shop-tech", PASSWORD), Err(AuthError::Unauthorized)));
    auth.authenticate(&conn, "shop-tech", NEW_PASSWORD).unwrap();

    // disable
    user_ok(&env, &["disable", "shop-tech"], "");
    assert!(user_ok(&env, &["list"], "").lines().any(|l| l.starts_with("shop-tech") && l.contains("disabled")));
    assert!(matches!(auth.authenticate(&conn, "shop-tech", NEW_PASSWORD), Err(AuthError::Unauthorized)));
    user_ok(&env, &["enable", "shop-tech"], "");
    auth.authenticate(&conn, "shop-tech", NEW_PASSWORD).unwrap();

    // blocked after five failed logins; unblock
    for _ in 0..5 {
        assert!(matches!(auth.authenticate(&conn, "shop-tech", "wrong"), Err(AuthError::Unauthorized)));
    }
    assert!(matches!(auth.authenticate(&conn, "shop-tech", NEW_PASSWORD), Err(AuthError::Blocked)));
    let list = user_ok(&env, &["list"], "");
    assert!(list.lines().any(|l| l.starts_with("shop-tech") && l.contains("blocked") && l.contains(" 5 ")), "{list}");
    let out = user_ok(&env, &["unblock", "shop-tech"], "");
    assert!(out.contains("unblocked"), "{out}");
    assert_eq!(env.query_i64(r#"SELECT "failedLogins" FROM "UserDO" WHERE "accountName" = 'shop-tech'"#), 0);
    auth.authenticate(&conn, "shop-tech", NEW_PASSWORD).unwrap();
}

#[test]
fn refusals_say_why_and_a_password_is_never_an_argument() {
    let env = TestEnv::new(true);
    let fails = |args: &[&str], stdin: &str, says: &str| {
        let out = user(&env, args, stdin);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "impex user {args:?} succeeded");
        assert!(stderr.contains(says), "impex user {args:?}: expected `{says}` in:\n{stderr}");
        no_secrets(&stderr);
        no_secrets(&String::from_utf8_lossy(&out.stdout));
    };
    fails(&["add", "a", "--role", "Operator", "--password", PASSWORD], "", "--password");
    fails(&["add", "a", "--role", "Operator"], "", "no password given");
    fails(&["add", "a", "--role", "Nope"], &format!("{PASSWORD}\n"), "no role `Nope`");
    fails(&["add", "a", "--role", "Operator", "--shop", "424242"], &format!("{PASSWORD}\n"), "no shop with id 424242");
    fails(&["add", "a", "--role", "Operator", "--shop", "100", "--supplier", "5000"], &format!("{PASSWORD}\n"), "cannot be used with");
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "UserDO""#), 0, "nothing half-added");
    user_ok(&env, &["add", "a", "--role", "ShopServiceClient", "--supplier", "5000"], &format!("{PASSWORD}\n"));
    fails(&["add", "a", "--role", "Operator"], &format!("{PASSWORD}\n"), "exists already");
    fails(&["passwd", "nobody"], &format!("{PASSWORD}\n"), "no user `nobody`");
    fails(&["disable", "nobody"], "", "no user `nobody`");
    user_ok(&env, &["grant", "a", "--role", "Operator"], "");
    let list = user_ok(&env, &["list"], "");
    assert!(list.contains("Operator, ShopServiceClient@inTRONICS Distribution"), "{list}");
}
