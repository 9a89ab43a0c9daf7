//! The `nichoir` command: serve, administer, back up and restore an instance.

mod cli;
mod logging;

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use clap::Parser;
use nichoir_auth::{AuthService, NewUser};
use nichoir_core::config::Config;
use nichoir_storage::DataDir;

use cli::{AdminCommand, Cli, Command, ConfigCommand, StorageCommand};

// glibc's allocator took a sixth of the server's CPU under load (its free lists and
// consolidation), and keeps freed arenas; see BENCHMARKS.md, "allocator".
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref(), std::env::vars()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("nichoir: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Admin { command } => run_async(admin(config, command)),
        Command::Backup { file } => backup(&config, &file),
        Command::Restore { file } => restore(&config, &file),
        Command::Config {
            command: ConfigCommand::Check,
        } => config_check(&config),
        Command::Storage {
            command: StorageCommand::Copy { to },
        } => storage_copy(&config, &to),
        Command::Storage {
            command: StorageCommand::Compact,
        } => storage_compact(&config),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nichoir: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_async<F: std::future::Future<Output = Result<()>>>(f: F) -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(f)
}

fn serve(mut config: Config) -> Result<()> {
    let _guard = logging::init(&config.logging)?;
    let addr = config.listen_addr()?;
    let listener =
        std::net::TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    // With port 0 the system picks one: links built from the listen address must use it.
    config.server.listen = local.to_string();
    actix_web::rt::System::new().block_on(async move {
        let prepared = nichoir_web::prepare(config.clone())
            .await
            .map_err(|e| anyhow!("{e}"))
            .with_context(|| format!("cannot start with data directory {}", config.server.data_dir.display()))?;
        let shutdown = shutdown_signal()?;
        println!("listening on http://{local}");
        tracing::info!(addr = %local, data_dir = %config.server.data_dir.display(), "Nichoir {} serving", nichoir_core::VERSION);
        // Last and on its own, so that a newcomer finds it under the start-up lines.
        if let Some(url) = &prepared.setup_url {
            println!("\nNo admin account yet. Create it here (one-time link):\n\n    {url}\n");
        }
        nichoir_web::serve(prepared, listener, shutdown).await?;
        Ok(())
    })
}

/// Installs the SIGTERM and SIGINT handlers now (before anyone may send them) and returns the
/// future that resolves on the first of them.
#[cfg(unix)]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

async fn open_auth(config: &Config) -> Result<AuthService> {
    let data = DataDir::new(config.server.data_dir.clone());
    data.prepare()?;
    let for_db = config.clone();
    let db = tokio::task::spawn_blocking(move || nichoir_web::open_database(&for_db)).await??;
    Ok(AuthService::new(db, config.auth.clone()).await?)
}

/// Passwords never go on the command line (they would show in `ps` and shell history).
fn read_password_stdin(asked: bool) -> Result<String> {
    if !asked {
        return Err(anyhow!(
            "pass the password on standard input with --password-stdin"
        ));
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("cannot read the password from standard input")?;
    let p = s.trim_end_matches(['\n', '\r']).to_string();
    if p.is_empty() {
        return Err(anyhow!("no password on standard input"));
    }
    Ok(p)
}

async fn admin(config: Config, command: AdminCommand) -> Result<()> {
    match command {
        AdminCommand::CreateUser {
            username,
            password_stdin,
            admin,
            display_name,
            email,
        } => {
            let password = read_password_stdin(password_stdin)?;
            let auth = open_auth(&config).await?;
            let user = auth
                .create_user(NewUser {
                    display_name: display_name.unwrap_or_else(|| username.clone()),
                    username,
                    password,
                    email,
                    is_admin: admin,
                })
                .await
                .map_err(|e| anyhow!("{}", e.message))?;
            println!(
                "created {} {} ({})",
                if user.is_admin { "admin" } else { "user" },
                user.username,
                user.id
            );
        }
        AdminCommand::CreateToken { username, name } => {
            let auth = open_auth(&config).await?;
            let user = auth
                .user_by_username(&username)
                .await
                .map_err(|e| anyhow!("{}", e.message))?
                .ok_or_else(|| anyhow!("no user named {username}"))?;
            let (token, _) = auth
                .create_token_for(&user.id, &name)
                .await
                .map_err(|e| anyhow!("{}", e.message))?;
            println!("{token}");
        }
        AdminCommand::SetPassword {
            username,
            password_stdin,
        } => {
            let password = read_password_stdin(password_stdin)?;
            let auth = open_auth(&config).await?;
            auth.set_password(&username, password)
                .await
                .map_err(|e| anyhow!("{}", e.message))?;
            println!("password changed for {username}");
        }
    }
    Ok(())
}

/// `nichoir storage copy --to TARGET` (see cli.rs).
fn storage_copy(config: &Config, to: &str) -> Result<()> {
    let data = DataDir::new(config.server.data_dir.clone());
    data.prepare()?;
    // The server must be stopped: it holds the lock, and would write during the copy.
    let _lock = data.lock()?;
    let sqlite_file = data.db_path().to_string_lossy().into_owned();
    let source = if config.storage.url.is_empty() {
        sqlite_file.clone()
    } else {
        config.storage.url.clone()
    };
    let target = if to == "sqlite" {
        sqlite_file
    } else {
        to.to_string()
    };
    if target == source {
        return Err(anyhow!("the source and the target are the same database"));
    }
    // The PostgreSQL client runs its own runtime: on a plain thread.
    let (src, dst) = (source.clone(), target.clone());
    let reports = std::thread::spawn(move || {
        let sets = nichoir_web::migrations();
        let from = nichoir_storage::copy::open_for_copy(&src, &sets)?;
        let into = nichoir_storage::copy::open_for_copy(&dst, &sets)?;
        nichoir_storage::copy::copy_database(&from, &into)
    })
    .join()
    .map_err(|_| anyhow!("the copy panicked"))??;
    for r in &reports {
        println!(
            "  {:<28} {:>10} rows  {}",
            r.table,
            r.rows,
            &r.checksum[..16]
        );
    }
    let rows: u64 = reports.iter().map(|r| r.rows).sum();
    println!(
        "copied {} tables, {rows} rows; counts and checksums match",
        reports.len()
    );
    if target.starts_with("postgres") {
        println!(
            "to run on it, set storage.url (or NICHOIR_DATABASE_URL) to that URL; uploads stay in {}",
            data.uploads_dir().display()
        );
    } else {
        println!("to run on SQLite again, remove storage.url (and NICHOIR_DATABASE_URL)");
    }
    Ok(())
}

fn storage_compact(config: &Config) -> Result<()> {
    if !config.storage.url.is_empty() {
        return Err(anyhow!(
            "this instance runs on PostgreSQL, whose autovacuum does this (VACUUM FULL by hand)"
        ));
    }
    let data = DataDir::new(config.server.data_dir.clone());
    if !data.db_path().is_file() {
        return Err(anyhow!(
            "no SQLite database at {}",
            data.db_path().display()
        ));
    }
    // The server must be stopped: SQLite changes the page size only with the database to itself.
    let _lock = data.lock()?;
    let page_size = u32::try_from(config.storage.page_size)?;
    let c = nichoir_storage::compact::compact(&data.db_path(), page_size)?;
    let mib = |b: u64| b as f64 / f64::from(1 << 20);
    println!(
        "compacted {}: {:.1} MiB in {}-byte pages, now {:.1} MiB in {}-byte pages",
        data.db_path().display(),
        mib(c.bytes_before),
        c.page_size_before,
        mib(c.bytes_after),
        c.page_size_after
    );
    Ok(())
}

fn backup(config: &Config, file: &Path) -> Result<()> {
    let data = DataDir::new(config.server.data_dir.clone());
    let m = nichoir_storage::create_backup(&data, &config.storage.url, file)?;
    println!(
        "backup written to {} ({} upload files, schema {:?})",
        file.display(),
        m.upload_files,
        m.schema
    );
    if !config.uploads.s3_endpoint.is_empty() {
        println!(
            "the uploaded files are in the object store ({}, bucket {}), not in this backup: \
             back the bucket up with the store's own tools",
            config.uploads.s3_endpoint, config.uploads.s3_bucket
        );
    }
    Ok(())
}

fn restore(config: &Config, file: &Path) -> Result<()> {
    let data = DataDir::new(config.server.data_dir.clone());
    let (m, aside) = nichoir_storage::restore_backup(
        &data,
        &config.storage.url,
        file,
        &nichoir_web::migrations(),
    )?;
    let previous = match m.engine {
        nichoir_storage::Engine::Sqlite => "the previous data was moved to",
        nichoir_storage::Engine::Postgres => {
            "the previous database was dumped (nichoir.pgdump) and the uploads moved to"
        }
    };
    println!(
        "restored the backup of {} (Nichoir {}); {previous} {}",
        m.created_at,
        m.nichoir_version,
        aside.display()
    );
    Ok(())
}

fn config_check(config: &Config) -> Result<()> {
    println!("configuration is valid");
    println!("  listen     {}", config.server.listen);
    println!("  base URL   {}", config.public_base_url());
    println!("  data dir   {}", config.server.data_dir.display());
    let db_file = nichoir_storage::DataDir::new(config.server.data_dir.clone()).db_path();
    let backend = nichoir_storage::describe_backend(&config.storage.url, &db_file)
        .map_err(|e| anyhow::anyhow!("storage: {e}"))?;
    println!("  database   {backend}");
    println!("  registration {}", config.instance.registration.as_str());
    Ok(())
}
