//! The hub's settings, from the command line or `POSTSALE_*` variables.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The `postsale` command line.
#[derive(Debug, Parser)]
#[command(name = "postsale", version, about = "The postsale hub")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The `postsale` subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the hub.
    Serve(Settings),
}

/// Everything the hub needs to start.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, env = "POSTSALE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Folder with the built widget and loader (trunk's `dist`), served as is.
    #[arg(long, env = "POSTSALE_ASSETS")]
    pub assets: Option<PathBuf>,
}

impl Settings {
    /// Settings for a hub on a free loopback port, as the tests use it.
    pub fn for_tests() -> Self {
        Self {
            addr: "127.0.0.1:0".into(),
            assets: None,
        }
    }
}
