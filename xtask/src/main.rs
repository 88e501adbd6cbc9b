//! `cargo xtask`: every long command of the project in one place, so that a
//! fresh machine needs two commands (`cargo xtask demo`, `cargo xtask test`)
//! and CI runs exactly what a developer runs.

mod bench;
mod demo;
mod e2e;
mod fuzz;
mod glue;
mod localstripe;
mod postgres;
mod run;
mod schema_fuzz;
mod setup;
mod simulate;
mod test;
mod versions;
mod widget;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "postsale's development commands")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Install what the build and the tests need; skip what is already there.
    Setup,
    /// Run every test: native, widget in headless Chromium and Firefox, end to end.
    Test,
    /// Build everything and run the hub with demo data and the demo order page.
    Demo {
        /// Address for the hub.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
    },
    /// Build the release hub and run the schema fuzz (Schemathesis) alone.
    SchemaFuzz,
    /// Run the offer selection in a seeded simulated market beside an
    /// oracle, the plain rules and uniform choice; report to target/simulate.
    Simulate {
        /// Check only that every key is produced, not the targets.
        #[arg(long)]
        quick: bool,
    },
    /// Measure size, cost to the host page and server speed beside baselines.
    Bench {
        /// Fewer runs and 2-second loads; checks every key is produced.
        #[arg(long)]
        quick: bool,
        /// Only the hub's load figures (opportunities beside the baseline,
        /// accepts, PostgreSQL): no widget build, sizes, page or selection.
        #[arg(long)]
        hub: bool,
        /// Another hub binary (a release build of another commit): its
        /// opportunity runs alternate with this build's, and the report
        /// puts the two side by side.
        #[arg(long, value_name = "BINARY")]
        against: Option<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Task::Setup => setup::run().map(|_| ()),
        Task::Test => test::run(),
        Task::Demo { addr } => demo::run(&addr),
        Task::Bench {
            quick,
            hub,
            against,
        } => bench::run(quick, hub, against.as_deref()),
        Task::SchemaFuzz => setup::run()
            .and_then(|_| schema_fuzz::build())
            .and_then(|()| schema_fuzz::run()),
        Task::Simulate { quick } => simulate::run(quick),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err}");
            ExitCode::FAILURE
        }
    }
}
