//! The owner's view of an account: the account with the records its profile lists.

use std::sync::Arc;

use accountd_core::user::User;
use accountd_store::Store;

use super::tokens::Principal;
use super::AppResult;
use crate::account_cache::CachedAccount;

pub struct Profiles {
    store: Arc<dyn Store>,
}

impl Profiles {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The account with its additional addresses and linked identities, as stored now.
    pub async fn of(&self, user: &User) -> AppResult<CachedAccount> {
        let mut reader = self.store.reader().await?;
        let addresses = reader.addresses_of(user.id).await?;
        let linked_accounts = reader.linked_accounts_of(user.id).await?;
        Ok(CachedAccount { user: user.clone(), addresses, linked_accounts })
    }

    /// The account making the request: a session brings its records along, read for the
    /// request; a personal access token carries only the account.
    pub async fn of_principal(&self, principal: &Principal) -> AppResult<Arc<CachedAccount>> {
        match principal {
            Principal::Session(authenticated) => Ok(authenticated.account.clone()),
            Principal::Pat { user, .. } => Ok(Arc::new(self.of(user).await?)),
        }
    }
}
