//! The `postsale` binary: reads its settings and runs the hub until Ctrl-C.

use clap::Parser;
use postsale_server::{Application, Cli, Command, Settings};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    postsale_server::telemetry::init();
    let Cli { command } = Cli::parse();
    let Command::Serve(args) = command;
    let result = async {
        let settings = Settings::resolve(args).map_err(|e| e.to_string())?;
        let app = Application::build(settings)
            .await
            .map_err(|e| e.to_string())?;
        println!("postsale hub listening on http://{}", app.local_addr());
        app.run_until_stopped().await.map_err(|e| e.to_string())
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
