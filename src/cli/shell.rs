//! `wamigrate completions bash|zsh|fish` and `wamigrate man`: the shell completion
//! script and the man page, generated from the same clap definition the parser uses,
//! so they list every subcommand and option as they are. Neither reads the config.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::CommandFactory;

use super::{Cli, EXIT_ERROR};

/// Arguments of `wamigrate completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// The shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

impl CompletionShell {
    fn generator(self) -> clap_complete::Shell {
        match self {
            CompletionShell::Bash => clap_complete::Shell::Bash,
            CompletionShell::Zsh => clap_complete::Shell::Zsh,
            CompletionShell::Fish => clap_complete::Shell::Fish,
        }
    }
}

/// Arguments of `wamigrate man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write one page per command (wamigrate.1, wamigrate-status.1, ...) into this
    /// directory instead of printing wamigrate.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Prints the completion script of `args.shell` on stdout.
pub fn completions(args: &CompletionsArgs) -> ExitCode {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(
        args.shell.generator(),
        &mut command,
        "wamigrate",
        &mut script,
    );
    print_or_fail(&script, "the completion script")
}

/// Prints the man page (roff) on stdout, or writes every command's page into a
/// directory.
pub fn man(args: &ManArgs) -> ExitCode {
    let command = Cli::command();
    if let Some(dir) = &args.dir {
        let written =
            std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(command, dir));
        return match written {
            Ok(()) => {
                eprintln!("Man pages written to {}.", dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!(
                    "wamigrate: could not write the man pages to {}: {e}.",
                    dir.display()
                );
                ExitCode::from(EXIT_ERROR)
            }
        };
    }
    let mut page = Vec::new();
    if let Err(e) = clap_mangen::Man::new(command).render(&mut page) {
        eprintln!("wamigrate: could not render the man page: {e}.");
        return ExitCode::from(EXIT_ERROR);
    }
    print_or_fail(&page, "the man page")
}

/// Writes `bytes` to stdout; a failed write (a closed pipe) is exit 1 with a sentence.
fn print_or_fail(bytes: &[u8], what: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wamigrate: could not print {what}: {e}.");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
