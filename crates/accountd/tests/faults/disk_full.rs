//! The SQLite data directory's file system full: a clear error in the contract's format,
//! no corruption, and writes resume when space returns, without a restart.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::ConnectOptions as _;

use crate::support::Server;

/// A small tmpfs of the test's own, unmounted when dropped (the test runs as root).
struct SmallFileSystem {
    dir: tempfile::TempDir,
}

impl SmallFileSystem {
    fn mount(size: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "mounting a tmpfs needs root: {}", String::from_utf8_lossy(&output.stderr));
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the file system has no byte left.
    fn fill(&self) -> PathBuf {
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        let small = [0u8; 512];
        while file.write_all(&small).is_ok() {}
        while file.write_all(&small[..1]).is_ok() {}
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallFileSystem {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

#[tokio::test]
async fn disk_full_answers_507_keeps_the_sqlite_database_intact_and_writes_resume() {
    let disk = SmallFileSystem::mount("24m");
    let database = disk.path().join("accountd.db");
    let url = format!("sqlite://{}", database.display());
    let server = Server::start(disk.path(), &url).await;
    let (status, body) = server.register("first").await.unwrap();
    assert_eq!(status, 201, "{body}");
    let token = body["session"]["token"].as_str().unwrap().to_string();

    let filler = disk.fill();
    // Writes go on until SQLite needs a page it cannot have (the WAL may still have room).
    let mut acknowledged = vec!["first".to_string()];
    let mut refused = Vec::new();
    for n in 0..500 {
        let username = format!("full{n}");
        let (status, body) = server.register(&username).await.unwrap();
        match status {
            201 => acknowledged.push(username),
            507 => {
                assert_eq!(body["code"], "server:storage_full", "{body}");
                assert_eq!(body["status"], 507, "{body}");
                refused.push(username);
                if refused.len() == 3 {
                    break;
                }
            }
            other => panic!("a write on a full disk answered {other}: {body}"),
        }
    }
    assert!(!refused.is_empty(), "the full disk never refused a write ({} acknowledged)", acknowledged.len());
    // Reads still work.
    let (status, body) = server.me(&token).await.unwrap();
    assert_eq!(status, 200, "{body}");

    // Space returns: writes resume in the same process.
    std::fs::remove_file(filler).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let username = format!("again{}", acknowledged.len());
        let (status, body) = server.register(&username).await.unwrap();
        if status == 201 {
            acknowledged.push(username);
            break;
        }
        assert_eq!(status, 507, "{body}");
        assert!(Instant::now() < deadline, "writes did not resume");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    server.kill_9();

    // No corruption, every acknowledged account there, no refused one half written.
    let mut connection = SqliteConnectOptions::new().filename(&database).connect().await.unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut connection).await.unwrap();
    assert_eq!(check, "ok");
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT username FROM users").fetch_all(&mut connection).await.unwrap();
    for username in &acknowledged {
        assert!(stored.contains(username), "acknowledged {username} was lost");
    }
    for username in &refused {
        assert!(!stored.contains(username), "refused {username} was half written");
    }
    println!(
        "disk full: {} writes acknowledged, {} refused with 507, integrity_check ok",
        acknowledged.len(),
        refused.len()
    );
}
