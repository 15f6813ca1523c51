//! What the platform knows of each account: when it was created and its
//! status. The anchor outside the graph that trust starts from
//! ([`crate::rank::trust`]).

/// An account's status in the platform export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    /// An ordinary account (the default).
    Active,
    /// Verified by the platform: counts as active.
    Verified,
    /// Limited by the platform: counts half.
    Restricted,
    /// Suspended: no restart weight, follows pass nothing.
    Suspended,
}

impl AccountStatus {
    /// Parses `active`, `verified`, `restricted`, `suspended` (any case).
    pub fn parse(s: &str) -> Option<AccountStatus> {
        [
            ("active", AccountStatus::Active),
            ("verified", AccountStatus::Verified),
            ("restricted", AccountStatus::Restricted),
            ("suspended", AccountStatus::Suspended),
        ]
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(s))
        .map(|(_, st)| st)
    }
}

/// Creation day and status of every user of a graph (index = user).
#[derive(Debug, Clone, Default)]
pub struct AccountHistory {
    /// Creation day (days since 1970-01-01 UTC); [`AccountHistory::UNKNOWN`]
    /// for users the history file does not list.
    pub created_day: Vec<i32>,
    /// Status; `Active` for unknown users.
    pub status: Vec<AccountStatus>,
}

impl AccountHistory {
    /// `created_day` of a user without history.
    pub const UNKNOWN: i32 = i32::MIN;

    /// History of `users` users, none known yet.
    pub fn unknown(users: usize) -> AccountHistory {
        AccountHistory {
            created_day: vec![Self::UNKNOWN; users],
            status: vec![AccountStatus::Active; users],
        }
    }

    /// Number of users covered (known or not).
    pub fn users(&self) -> usize {
        self.created_day.len()
    }

    /// True when the file listed user `u`.
    pub fn is_known(&self, u: u32) -> bool {
        self.created_day[u as usize] != Self::UNKNOWN
    }
}
