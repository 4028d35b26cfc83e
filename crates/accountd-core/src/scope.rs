//! What a personal access token may do. Sessions may do everything; a PAT only
//! what its scopes allow (`user:read` for reads under `/v1/me`, `user:write` for
//! changes).

use serde::{Deserialize, Serialize};

use crate::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "user:read")]
    UserRead,
    #[serde(rename = "user:write")]
    UserWrite,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::UserRead, Scope::UserWrite];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::UserRead => "user:read",
            Self::UserWrite => "user:write",
        }
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == text).ok_or(DomainError::InvalidScope)
    }

    /// A non-empty list of known scopes, sorted and without duplicates.
    pub fn parse_list<S: AsRef<str>>(texts: &[S]) -> Result<Vec<Self>, DomainError> {
        let mut scopes = texts.iter().map(|text| Self::parse(text.as_ref())).collect::<Result<Vec<_>, _>>()?;
        scopes.sort();
        scopes.dedup();
        if scopes.is_empty() {
            return Err(DomainError::InvalidScope);
        }
        Ok(scopes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_lists_are_known_sorted_and_unique() {
        assert_eq!(
            Scope::parse_list(&["user:write", "user:read", "user:write"]),
            Ok(vec![Scope::UserRead, Scope::UserWrite])
        );
        assert_eq!(Scope::parse_list::<&str>(&[]), Err(DomainError::InvalidScope));
        assert_eq!(Scope::parse_list(&["admin"]), Err(DomainError::InvalidScope));
        assert_eq!(Scope::parse_list(&["USER:READ"]), Err(DomainError::InvalidScope));
    }
}
