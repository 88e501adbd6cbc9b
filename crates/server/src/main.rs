//! The `postsale` binary: reads its settings and runs the hub until Ctrl-C.

use clap::Parser;
use postsale_server::{Application, Cli, Command};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    postsale_server::telemetry::init();
    let Cli { command } = Cli::parse();
    let Command::Serve(settings) = command;
    let result = async {
        let app = Application::build(settings).await?;
        println!("postsale hub listening on http://{}", app.local_addr());
        app.run_until_stopped().await
    }
    .await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("postsale: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
