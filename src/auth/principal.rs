//! Who made a request and what they may do: the rights of the user's roles in no organization
//! (every shop and supplier) and of its roles in organizations (their shops and suppliers, and
//! those of their child organizations and child shops).
use std::collections::{BTreeMap, BTreeSet};

use crate::auth::Right;
use crate::db::queries::users;
use crate::db::{Conn, StoreResult};

/// An authenticated user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Principal {
    /// `"UserDO"."id"`.
    pub user_id: i64,
    /// `"UserDO"."accountName"`.
    pub account: String,
    /// Every right the user holds anywhere.
    pub rights: BTreeSet<Right>,
    /// The rights of roles in no organization (`"User2RoleDO"`): for every shop and supplier.
    pub global: BTreeSet<Right>,
    /// The rights per `"ShopDO"` id, from roles in organizations.
    pub shops: BTreeMap<i64, BTreeSet<Right>>,
    /// The rights per `"SupplierDO"` id, from roles in organizations.
    pub suppliers: BTreeMap<i64, BTreeSet<Right>>,
    /// The organizations the user has a role in (`"OrganizationDO"."name"`).
    pub organizations: Vec<String>,
}

/// For which shops (or suppliers) a user holds a right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every one (a role in no organization).
    All,
    /// These ids (empty: none).
    Only(BTreeSet<i64>),
}

impl Principal {
    /// The principal of a user: its rights as the database has them now. Right names that this
    /// impex does not know are left out.
    pub fn load(conn: &Conn, user_id: i64, account: &str) -> StoreResult<Principal> {
        let global: BTreeSet<Right> = users::global_rights(conn, user_id)?.iter().filter_map(|n| Right::parse(n)).collect();
        let mut shops: BTreeMap<i64, BTreeSet<Right>> = BTreeMap::new();
        let mut suppliers: BTreeMap<i64, BTreeSet<Right>> = BTreeMap::new();
        for s in users::scoped_rights(conn, user_id)? {
            let Some(right) = Right::parse(&s.right) else { continue };
            if let Some(shop) = s.shop_id {
                shops.entry(shop).or_default().insert(right);
            }
            if let Some(supplier) = s.supplier_id {
                suppliers.entry(supplier).or_default().insert(right);
            }
        }
        let mut rights = global.clone();
        rights.extend(shops.values().flatten().copied());
        rights.extend(suppliers.values().flatten().copied());
        Ok(Principal { user_id, account: account.to_string(), rights, global, shops, suppliers, organizations: users::organization_names(conn, user_id)? })
    }

    /// Whether the user holds the right at all: for every shop and supplier, or for some. A
    /// pre-check only: an operation on one shop's or supplier's data asks
    /// [`Principal::may_for_shop`] or [`Principal::may_for_supplier`], one on no shop's data
    /// (schedules, health) [`Principal::may_everywhere`].
    pub fn may(&self, right: Right) -> bool {
        self.rights.contains(&right)
    }

    /// Whether the user holds the right for every shop and supplier (a role in no organization):
    /// what an operation on no shop's or supplier's data (schedules, health, metrics) needs.
    pub fn may_everywhere(&self, right: Right) -> bool {
        self.global.contains(&right)
    }

    /// Whether the user holds the right for this shop: a role in no organization, in the
    /// shop's organization, or in an organization of a parent shop or a parent organization.
    pub fn may_for_shop(&self, right: Right, shop_id: i64) -> bool {
        self.global.contains(&right) || self.shops.get(&shop_id).is_some_and(|r| r.contains(&right))
    }

    /// Whether the user holds the right for this supplier: a role in no organization, in the
    /// supplier's organization, or in a parent organization of it.
    pub fn may_for_supplier(&self, right: Right, supplier_id: i64) -> bool {
        self.global.contains(&right) || self.suppliers.get(&supplier_id).is_some_and(|r| r.contains(&right))
    }

    /// The shops for which the user holds the right (to filter a list).
    pub fn shops_for(&self, right: Right) -> Scope {
        if self.global.contains(&right) {
            return Scope::All;
        }
        Scope::Only(self.shops.iter().filter(|(_, r)| r.contains(&right)).map(|(s, _)| *s).collect())
    }

    /// The suppliers for which the user holds the right.
    pub fn suppliers_for(&self, right: Right) -> Scope {
        if self.global.contains(&right) {
            return Scope::All;
        }
        Scope::Only(self.suppliers.iter().filter(|(_, r)| r.contains(&right)).map(|(s, _)| *s).collect())
    }
}
