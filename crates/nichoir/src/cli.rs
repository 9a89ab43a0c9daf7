use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Nichoir: pads, polls, chat, video calls and wikis for small organisations, in one binary.
#[derive(Parser, Debug)]
#[command(name = "nichoir", version, about)]
pub struct Cli {
    /// TOML configuration file (see config/nichoir.example.toml). NICHOIR_* variables override it.
    #[arg(long, global = true, env = "NICHOIR_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Manage accounts from the command line.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Write a consistent backup (database + uploads) to FILE; safe while the server runs.
    /// On PostgreSQL it runs pg_dump (Debian package postgresql-client).
    Backup { file: PathBuf },
    /// Put a backup back in place; the server must be stopped. The current data is moved aside.
    /// On PostgreSQL it runs pg_dump, pg_restore and psql (postgresql-client).
    Restore { file: PathBuf },
    /// Configuration tools.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Move the database between SQLite and PostgreSQL, or rewrite the SQLite file; the server
    /// must be stopped.
    Storage {
        #[command(subcommand)]
        command: StorageCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum StorageCommand {
    /// Copy this instance's database (storage.url, or the data dir's SQLite file) into TARGET:
    /// a new, empty PostgreSQL database (postgres://…), or `sqlite` for the data dir's file when
    /// this instance runs on PostgreSQL. Row counts and checksums of every table are compared.
    Copy {
        #[arg(long)]
        to: String,
    },
    /// Rewrite the SQLite database (VACUUM) at storage.page_size: gives back the space of
    /// deleted rows, and moves a database made before that setting to the smaller pages.
    /// Needs free disk space for a copy of the database, in the data dir and in the temporary
    /// directory (SQLITE_TMPDIR, else /var/tmp).
    Compact,
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an account. The password is read from standard input.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
        /// Make the account an instance admin.
        #[arg(long)]
        admin: bool,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        email: Option<String>,
    },
    /// Print a new personal API token for a user (accepted as `Authorization: Bearer TOKEN`).
    CreateToken {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "command line")]
        name: String,
    },
    /// Set a user's password (read from standard input), e.g. when they lost it.
    SetPassword {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Validate the configuration (file + environment) and print the main values.
    Check,
}
