//! Writing results to disk: every file appears by atomic rename, so an
//! interrupted run never leaves a file that looks complete.

use crate::sim::RunResult;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Errors writing outputs.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// `--out` names something that is not a directory.
    #[error("{}: exists and is not a directory; pass --out a directory (new or existing)", .0.display())]
    NotADirectory(PathBuf),
    /// Creating the directory or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path being written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Creates `dir` (and parents) unless it exists as a directory.
pub fn ensure_dir(dir: &Path) -> Result<(), OutputError> {
    if dir.exists() && !dir.is_dir() {
        return Err(OutputError::NotADirectory(dir.to_path_buf()));
    }
    fs::create_dir_all(dir).map_err(|source| OutputError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

/// Writes `bytes` to `dir/name` through a temporary file in the same
/// directory and a rename, so readers see either the old file or the whole
/// new one. The data is synced to disk before the rename.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
    write_via_rename(dir, name, bytes, true)
}

/// Like [`write_atomic`] but without syncing to disk: while the machine
/// stays up (a killed process included) readers still see either nothing
/// or the whole file, but after a power loss or kernel crash the file may
/// be empty or missing. For files that are cheap to recreate and are
/// checked when read back: a sweep's per-run files, where a sync per run
/// would cost more than the run.
pub fn write_atomic_unsynced(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
    write_via_rename(dir, name, bytes, false)
}

fn write_via_rename(dir: &Path, name: &str, bytes: &[u8], sync: bool) -> Result<(), OutputError> {
    let target = dir.join(name);
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let io = |source, path: &Path| OutputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        if sync {
            f.sync_all()?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(io(e, &tmp));
    }
    fs::rename(&tmp, &target).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io(e, &target)
    })
}

/// Writes the scenario of a run into `dir`: `scenario.yaml`, the text as
/// given (before `--set`), and `scenario.resolved.txt`, what it resolved
/// to (`resolved`, as `kubesim validate` prints it, with the overrides).
/// Call it before [`write_run`], whose summary.json marks a complete run.
pub fn write_scenario(dir: &Path, given: &str, resolved: &str) -> Result<(), OutputError> {
    ensure_dir(dir)?;
    write_atomic(dir, "scenario.yaml", given.as_bytes())?;
    write_atomic(dir, "scenario.resolved.txt", resolved.as_bytes())
}

/// Writes summary.json, timeseries.csv and events.csv of a run into `dir`.
pub fn write_run(dir: &Path, result: &RunResult) -> Result<(), OutputError> {
    ensure_dir(dir)?;
    // The summary goes last: its presence marks a complete run directory.
    write_atomic(dir, "timeseries.csv", &result.timeseries_csv())?;
    write_atomic(dir, "events.csv", &result.events_csv())?;
    write_atomic(dir, "summary.json", &result.summary_json())
}
