//! Avatars and banners: which picture of an account, and the stored object that holds it.

use chrono::{DateTime, Utc};

use crate::UserId;

/// The two pictures an account has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaSlot {
    Avatar,
    Banner,
}

impl MediaSlot {
    pub const ALL: [Self; 2] = [Self::Avatar, Self::Banner];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Avatar => "avatar",
            Self::Banner => "banner",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|slot| slot.as_str() == value)
    }

    /// The largest picture kept, in pixels (width, height); larger ones are scaled down
    /// to fit, keeping their aspect ratio.
    pub const fn max_size(self) -> (u32, u32) {
        match self {
            Self::Avatar => (512, 512),
            Self::Banner => (1500, 500),
        }
    }
}

/// The largest upload accepted, in bytes (5 MiB).
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

/// The most pixels an image may declare (40 megapixels); more is refused before decoding.
pub const MAX_PIXELS: u64 = 40_000_000;

/// A picture of an account as stored: the object's key and its size, which counts
/// toward the account's storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaObject {
    pub user_id: UserId,
    pub slot: MediaSlot,
    pub key: String,
    pub bytes: i64,
    pub created_at: DateTime<Utc>,
}
