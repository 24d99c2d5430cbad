// Temporary wiring on the `sim` branch so `wamigrate sim` can be run; the lead replaces
// it with the real clap `Command` enum.
use clap::Parser;

#[derive(Parser)]
enum Cli {
    /// Run the sandbox API server in the foreground.
    Sim(wamigrate::cli::sim::SimArgs),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match Cli::parse() {
        Cli::Sim(args) => wamigrate::cli::sim::run(args).await,
    }
}
