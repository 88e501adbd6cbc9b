//! The `postsale` binary: reads its settings and runs the hub until Ctrl-C
//! or SIGTERM; or applies the migrations, or checks the settings.

use clap::Parser;
use postsale_server::{Application, Cli, Command, Settings};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let Cli { command } = Cli::parse();
    let (Command::Serve(args) | Command::Migrate(args) | Command::CheckConfig(args)) = &command;
    let args = args.clone();
    let result = async {
        let settings = Settings::resolve(args).map_err(|e| e.to_string())?;
        let _logs = postsale_server::telemetry::init(settings.log_format);
        match command {
            Command::Serve(_) => {
                let app = Application::build(settings)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("postsale hub listening on http://{}", app.local_addr());
                app.run_until_stopped().await.map_err(|e| e.to_string())
            }
            Command::Migrate(_) => {
                postsale_server::migrate(&settings)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("postsale: the database's migrations are applied");
                Ok(())
            }
            Command::CheckConfig(_) => {
                let summary =
                    postsale_server::check_config(&settings).map_err(|e| e.to_string())?;
                print!("{summary}");
                println!("postsale: the settings are fine");
                Ok(())
            }
        }
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
