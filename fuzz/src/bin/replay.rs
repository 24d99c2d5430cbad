//! Runs every file under `corpus/journal` and `corpus/payloads` (or the directories
//! given as `TARGET=DIR` arguments) through the fuzz targets' code, on stable and
//! without libFuzzer: a check that the targets build and that no saved input (seeds,
//! or crashes cargo fuzz found and someone saved) breaks them.

use std::path::{Path, PathBuf};

fn main() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut runs: Vec<(String, PathBuf)> = std::env::args()
        .skip(1)
        .filter_map(|arg| {
            let (target, dir) = arg.split_once('=')?;
            Some((target.to_string(), PathBuf::from(dir)))
        })
        .collect();
    if runs.is_empty() {
        runs = ["journal", "payloads"]
            .map(|t| (t.to_string(), here.join("corpus").join(t)))
            .to_vec();
    }
    for (target, dir) in runs {
        let run: fn(&[u8]) = match target.as_str() {
            "journal" => wamigrate_fuzz::journal,
            "payloads" => wamigrate_fuzz::payloads,
            other => {
                eprintln!("replay: no target {other:?} (journal, payloads)");
                std::process::exit(2);
            }
        };
        let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries.flatten().map(|e| e.path()).collect(),
            Err(e) => {
                eprintln!("replay: cannot read {}: {e}", dir.display());
                std::process::exit(1);
            }
        };
        files.sort();
        for file in &files {
            match std::fs::read(file) {
                Ok(data) => run(&data),
                Err(e) => eprintln!("replay: skipped {}: {e}", file.display()),
            }
        }
        println!("{target}: {} inputs from {}, no failure", files.len(), dir.display());
    }
}
