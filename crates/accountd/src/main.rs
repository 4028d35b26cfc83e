//! The `accountd` command line.

use std::io::Read as _;
use std::process::ExitCode;
use std::sync::Arc;

use accountd_server::config::Config;
use accountd_server::usecases::AppError;
use clap::{Parser, Subcommand};
use secrecy::SecretString;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// accountd — a self-hostable account service: registration, login, sessions and
/// the whole account lifecycle over one HTTP API.
///
/// Configuration comes from defaults, then the TOML file named by ACCOUNTD_CONFIG,
/// then ACCOUNTD_* environment variables (ACCOUNTD_AUTH__SESSION_TTL_DAYS for
/// [auth] session_ttl_days). With none at all, accountd keeps everything in
/// ./accountd-data (SQLite) and listens on 127.0.0.1:8080.
#[derive(Parser)]
#[command(name = "accountd", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default when no command is given).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Manage accounts from the command line.
    #[command(subcommand)]
    User(UserCommand),
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print the OpenAPI document (as served at /openapi.json) and exit; needs no
    /// configuration or database, so the typed clients can be generated from the binary.
    Openapi,
    /// Write the data export archive of one account (a ZIP, as `POST /v1/me/export` builds
    /// it) to a file, for answering a data-subject request.
    Export {
        /// The account's username.
        #[arg(long)]
        user: String,
        /// The file to write; it appears only once the archive is complete.
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account (its email counts as verified). Without --password-stdin it has no password.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        username: String,
        /// Read the password from standard input (one line; a trailing newline is removed).
        #[arg(long)]
        password_stdin: bool,
        /// Make the account an administrator.
        #[arg(long)]
        admin: bool,
    },
    /// Make an existing account an administrator.
    Promote { username: String },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration, secrets masked; exit non-zero when it is invalid.
    Check,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        return print_openapi();
    }
    let config = match Config::load() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("accountd: {error}");
            return ExitCode::from(2);
        }
    };
    if let Some(Command::Config(ConfigCommand::Check)) = cli.command {
        println!("{}", config.to_masked_json());
        return ExitCode::SUCCESS;
    }
    accountd_server::telemetry::init_logging(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("accountd: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("accountd: {}", one_line(&error));
            ExitCode::FAILURE
        }
    }
}

fn print_openapi() -> ExitCode {
    // The password policy is the one setting the document states; without a loadable
    // configuration it is the default's document.
    let policy = Config::load().map(|config| config.password.policy).unwrap_or_default();
    match accountd_server::http::document(policy).to_pretty_json() {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("accountd: cannot write the OpenAPI document: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => accountd_server::serve(config).await,
        Command::Migrate => {
            let store = accountd_server::open_store(&config).await?;
            println!("migrations applied ({})", store.backend());
            Ok(())
        }
        Command::User(command) => {
            let store = accountd_server::open_store(&config).await?;
            let key = accountd_server::secret_key::load_or_create(config.secret_key.as_ref(), &config.data_dir)?;
            let state = accountd_server::app_state(&config, store, Arc::new(accountd_core::SystemClock), key)?;
            match command {
                UserCommand::Create { email, username, password_stdin, admin } => {
                    let password = if password_stdin { Some(read_password()?) } else { None };
                    let user = state
                        .accounts
                        .create_by_operator(&email, &username, password, admin)
                        .await
                        .map_err(describe)?;
                    println!(
                        "{}",
                        serde_json::json!({ "id": user.id, "username": user.username.as_str(), "email": user.email.as_str(), "role": user.role.as_str() })
                    );
                }
                UserCommand::Promote { username } => {
                    let user = state.accounts.promote(&username).await.map_err(describe)?;
                    println!("{} is now an administrator", user.username);
                }
            }
            Ok(())
        }
        Command::Config(ConfigCommand::Check) | Command::Openapi => Ok(()),
        Command::Export { user, out } => export(&config, &user, &out).await,
    }
}

/// `accountd export`: the archive is built next to `out` and renamed into place when
/// complete, with a progress bar on standard error.
async fn export(config: &Config, username: &str, out: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let store = accountd_server::open_store(config).await?;
    let user = store
        .reader()
        .await?
        .user_by_username(username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account is named {username}"))?;
    let file_name = out.file_name().context("--out must name a file")?.to_string_lossy().into_owned();
    let staging = out.with_file_name(format!(".{file_name}.partial"));
    let file = std::fs::File::create(&staging).with_context(|| format!("creating {}", staging.display()))?;

    let bar = indicatif::ProgressBar::new(100).with_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos:>3}%")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(format!("exporting {username}"));
    let (progress, mut watched) = tokio::sync::watch::channel(0u8);
    let shown = bar.clone();
    let follow = tokio::spawn(async move {
        while watched.changed().await.is_ok() {
            shown.set_position(u64::from(*watched.borrow_and_update()));
        }
    });
    let sources = accountd_server::export::ArchiveSources {
        objects: accountd_server::media::store_from_config(&config.media, &config.data_dir)?,
        storage_limit: config.limits.storage_bytes,
        upload_domains: std::sync::Arc::new(accountd_server::usecases::uploads::UploadDomains::from_config(
            &config.uploads,
        )),
        public_url: config.public_url.clone(),
    };
    let now = chrono::Utc::now();
    let written = accountd_server::export::write_archive(&store, &sources, user.id, now, file, &progress).await;
    drop(progress);
    let _ = follow.await;
    let size = match written {
        Ok(size) => size,
        Err(error) => {
            bar.abandon();
            let _ = std::fs::remove_file(&staging);
            return Err(error).context("writing the archive");
        }
    };
    std::fs::rename(&staging, out).with_context(|| format!("moving the archive to {}", out.display()))?;
    bar.finish_with_message(format!("exported {username}"));
    println!("{} ({size} bytes)", out.display());
    Ok(())
}

fn read_password() -> anyhow::Result<SecretString> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let line = input.strip_suffix('\n').unwrap_or(&input);
    let line = line.strip_suffix('\r').unwrap_or(line);
    Ok(SecretString::from(line.to_string()))
}

fn describe(error: AppError) -> anyhow::Error {
    anyhow::anyhow!("{error}")
}

fn one_line(error: &anyhow::Error) -> String {
    error.chain().map(ToString::to_string).collect::<Vec<_>>().join(": ").replace('\n', " ")
}
