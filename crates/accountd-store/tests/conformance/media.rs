use accountd_core::media::{MediaObject, MediaSlot};
use accountd_core::UserId;

use crate::harness::{hours, insert_user, now, on_each_store};

fn picture(user: UserId, slot: MediaSlot, key: &str, bytes: i64) -> MediaObject {
    MediaObject { user_id: user, slot, key: key.into(), bytes, created_at: now() }
}

#[tokio::test]
async fn a_picture_replaces_the_one_before_and_counts_toward_the_account() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "pictured").await;
        let other = insert_user(&store, "other").await;

        let mut tx = store.begin().await.unwrap();
        let first = picture(id, MediaSlot::Avatar, "a1.png", 100);
        assert_eq!(tx.replace_media(&first, "https://media.example/a1.png").await.unwrap(), None);
        tx.replace_media(&picture(id, MediaSlot::Banner, "b1.jpg", 50), "https://media.example/b1.jpg").await.unwrap();
        tx.replace_media(&picture(other, MediaSlot::Avatar, "o1.png", 7), "https://media.example/o1.png")
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let replaced = tx.replace_media(&picture(id, MediaSlot::Avatar, "a2.png", 300), "https://m/a2.png").await;
        assert_eq!(replaced.unwrap(), Some(first.clone()), "the old picture comes back to be deleted");
        tx.commit().await.unwrap();

        let mut conn = store.reader().await.unwrap();
        let user = conn.user_by_id(id).await.unwrap().unwrap();
        assert_eq!(user.avatar_url.as_deref(), Some("https://m/a2.png"));
        assert_eq!(user.banner_url.as_deref(), Some("https://media.example/b1.jpg"));
        assert_eq!(user.media_bytes, 350, "the avatar and the banner, the replaced one no more");
        let keys: Vec<_> = conn.media_of(id).await.unwrap().into_iter().map(|m| (m.slot, m.key)).collect();
        assert_eq!(keys, vec![(MediaSlot::Avatar, "a2.png".to_string()), (MediaSlot::Banner, "b1.jpg".to_string())]);
        assert!(conn.media_key_in_use("a2.png").await.unwrap());
        assert!(!conn.media_key_in_use("a1.png").await.unwrap());
        assert_eq!(conn.user_by_id(other).await.unwrap().unwrap().media_bytes, 7, "only the account's own");
    })
    .await;
}

#[tokio::test]
async fn removing_a_picture_clears_its_url_and_frees_its_bytes() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "removed").await;
        let mut tx = store.begin().await.unwrap();
        let avatar = picture(id, MediaSlot::Avatar, "a.webp", 40);
        tx.replace_media(&avatar, "https://m/a.webp").await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.remove_media(id, MediaSlot::Avatar, now() + hours(1)).await.unwrap(), Some(avatar));
        assert_eq!(tx.remove_media(id, MediaSlot::Avatar, now() + hours(1)).await.unwrap(), None, "already gone");
        tx.commit().await.unwrap();

        let mut conn = store.reader().await.unwrap();
        let user = conn.user_by_id(id).await.unwrap().unwrap();
        assert_eq!((user.avatar_url, user.media_bytes), (None, 0));
        assert!(!conn.media_key_in_use("a.webp").await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn erasing_an_account_removes_its_pictures() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "erased").await;
        let mut tx = store.begin().await.unwrap();
        tx.replace_media(&picture(id, MediaSlot::Avatar, "e.gif", 10), "https://m/e.gif").await.unwrap();
        tx.erase_account(id, &[]).await.unwrap();
        tx.commit().await.unwrap();
        let mut conn = store.reader().await.unwrap();
        assert!(conn.media_of(id).await.unwrap().is_empty());
        assert!(!conn.media_key_in_use("e.gif").await.unwrap());
    })
    .await;
}

/// `users.media_bytes` is a counter kept beside the account; after every change of the
/// account's media, in any order, it equals the sum of the account's media rows.
#[tokio::test]
async fn the_media_byte_counter_stays_equal_to_the_sum_of_the_media() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "counted").await;
        let other = insert_user(&store, "neighbour").await;
        let steps: [(MediaSlot, Option<i64>); 8] = [
            (MediaSlot::Avatar, Some(120)),
            (MediaSlot::Banner, Some(900)),
            (MediaSlot::Avatar, Some(33)),
            (MediaSlot::Banner, None),
            (MediaSlot::Banner, None),
            (MediaSlot::Banner, Some(4096)),
            (MediaSlot::Avatar, None),
            (MediaSlot::Avatar, Some(1)),
        ];
        for (step, (slot, bytes)) in steps.into_iter().enumerate() {
            let mut tx = store.begin().await.unwrap();
            match bytes {
                Some(bytes) => {
                    let key = format!("k{step}.png");
                    tx.replace_media(&picture(id, slot, &key, bytes), &format!("https://m/{key}")).await.unwrap();
                }
                None => {
                    tx.remove_media(id, slot, now()).await.unwrap();
                }
            }
            // The counter is right inside the transaction too (the storage limit reads it there).
            let inside = tx.user_by_id(id).await.unwrap().unwrap().media_bytes;
            let sum: i64 = tx.media_of(id).await.unwrap().iter().map(|media| media.bytes).sum();
            assert_eq!(inside, sum, "step {step}, inside the transaction");
            tx.commit().await.unwrap();
            let mut conn = store.reader().await.unwrap();
            let counted = conn.user_by_id(id).await.unwrap().unwrap().media_bytes;
            let sum: i64 = conn.media_of(id).await.unwrap().iter().map(|media| media.bytes).sum();
            assert_eq!(counted, sum, "step {step}");
            assert_eq!(conn.user_by_id(other).await.unwrap().unwrap().media_bytes, 0, "another account's stays");
        }
        let mut conn = store.reader().await.unwrap();
        assert_eq!(conn.user_by_id(id).await.unwrap().unwrap().media_bytes, 4096 + 1);
    })
    .await;
}

/// Two transactions changing the two slots of one account at once still leave the counter
/// equal to the sum (the account's row orders them).
#[tokio::test]
async fn concurrent_changes_of_both_slots_keep_the_media_byte_counter_right() {
    on_each_store(|store| async move {
        let id = insert_user(&store, "racing").await;
        for round in 0..5_i64 {
            let change = |slot: MediaSlot, bytes: i64| {
                let store = store.clone();
                async move {
                    let mut tx = store.begin().await.unwrap();
                    let key = format!("r{round}-{}.png", slot.as_str());
                    tx.replace_media(&picture(id, slot, &key, bytes), "https://m/r").await.unwrap();
                    tokio::task::yield_now().await;
                    tx.commit().await.unwrap();
                }
            };
            let avatar = tokio::spawn(change(MediaSlot::Avatar, 10 + round));
            let banner = tokio::spawn(change(MediaSlot::Banner, 1000 + round));
            avatar.await.unwrap();
            banner.await.unwrap();
            let mut conn = store.reader().await.unwrap();
            assert_eq!(conn.user_by_id(id).await.unwrap().unwrap().media_bytes, 1010 + 2 * round, "round {round}");
        }
    })
    .await;
}
