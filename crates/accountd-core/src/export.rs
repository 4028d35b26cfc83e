//! A data export: the archive of everything an account holds, built in the background and
//! offered for download until it expires.

use chrono::{DateTime, Duration, Utc};

use crate::{ExportId, UserId};

/// How long a finished archive stays downloadable.
pub const ARCHIVE_LIFETIME: Duration = Duration::days(7);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportStatus {
    Pending,
    Running,
    Done,
    Failed,
}

impl ExportStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Pending, Self::Running, Self::Done, Self::Failed].into_iter().find(|status| status.as_str() == value)
    }

    /// Pending or running: the account's one export in progress.
    pub const fn in_progress(self) -> bool {
        matches!(self, Self::Pending | Self::Running)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub id: ExportId,
    pub user_id: UserId,
    pub status: ExportStatus,
    /// 0 to 100.
    pub progress: i32,
    pub created_at: DateTime<Utc>,
    /// When the archive (or the record of a failure) goes away.
    pub expires_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Where the archive is stored, once it is done.
    pub archive_key: Option<String>,
    pub size_bytes: Option<i64>,
}

impl Export {
    /// A new export of `user`, waiting for its job.
    pub fn requested(user: UserId, at: DateTime<Utc>) -> Self {
        Self {
            id: ExportId::new(),
            user_id: user,
            status: ExportStatus::Pending,
            progress: 0,
            created_at: at,
            expires_at: at + ARCHIVE_LIFETIME,
            finished_at: None,
            archive_key: None,
            size_bytes: None,
        }
    }
}
