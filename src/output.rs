//! Writing results to disk: every file appears by atomic rename, so an
//! interrupted run never leaves a file that looks complete.
//!
//! A run's time series and event log are streamed ([`RunFiles`]): rows go
//! to hidden temporary files in the run directory as the run produces
//! them, and are renamed into place when it ends. Memory stays bounded
//! however long the simulated time; a run that fails or is interrupted
//! leaves at most a hidden `.NAME.PID.tmp` file (removed unless the process
//! is killed outright), and `summary.json`, written last, marks a complete
//! run directory.

use crate::sim::{self, Columns, EventRecord, RunResult, RunSink, Sample};
use std::fs;
use std::io::{BufWriter, Write};
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

/// The temporary file `name` is written to before the rename.
fn tmp_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.{}.tmp", std::process::id()))
}

fn write_via_rename(dir: &Path, name: &str, bytes: &[u8], sync: bool) -> Result<(), OutputError> {
    let target = dir.join(name);
    let tmp = tmp_path(dir, name);
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
/// Call it before [`write_run`] or [`RunFiles::commit`], whose summary.json
/// marks a complete run, and after [`RunFiles::create`], which removes the
/// summary.json of an earlier run.
pub fn write_scenario(dir: &Path, given: &str, resolved: &str) -> Result<(), OutputError> {
    ensure_dir(dir)?;
    write_atomic(dir, "scenario.yaml", given.as_bytes())?;
    write_atomic(dir, "scenario.resolved.txt", resolved.as_bytes())
}

/// Writes summary.json, timeseries.csv and events.csv of a run that kept
/// its rows in memory ([`sim::Simulation::run`]) into `dir`.
pub fn write_run(dir: &Path, result: &RunResult) -> Result<(), OutputError> {
    ensure_dir(dir)?;
    // The summary goes last: its presence marks a complete run directory.
    write_atomic(dir, "timeseries.csv", &result.timeseries_csv())?;
    write_atomic(dir, "events.csv", &result.events_csv())?;
    write_atomic(dir, "summary.json", &result.summary_json())
}

/// A hidden temporary file, removed when dropped unless renamed into place.
struct TempFile {
    path: PathBuf,
    placed: bool,
}

impl TempFile {
    fn create(dir: &Path, name: &str) -> Result<(TempFile, fs::File), OutputError> {
        let path = tmp_path(dir, name);
        let f = fs::File::create(&path).map_err(|source| OutputError::Io {
            path: path.clone(),
            source,
        })?;
        Ok((
            TempFile {
                path,
                placed: false,
            },
            f,
        ))
    }

    /// Syncs `f` (this file) to disk and renames it to `dir/name`.
    fn place(mut self, f: fs::File, dir: &Path, name: &str) -> Result<(), OutputError> {
        f.sync_all().map_err(|source| OutputError::Io {
            path: self.path.clone(),
            source,
        })?;
        drop(f);
        let target = dir.join(name);
        fs::rename(&self.path, &target).map_err(|source| OutputError::Io {
            path: target,
            source,
        })?;
        self.placed = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.placed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// timeseries.csv and events.csv of a run, streamed while it runs: a
/// [`RunSink`] writing each row to a hidden temporary file in the run
/// directory (through a buffer, so memory stays bounded), and
/// [`RunFiles::commit`] renaming both into place and writing summary.json
/// last. Dropped without a commit (the run failed or was interrupted), it
/// removes its temporary files.
pub struct RunFiles {
    dir: PathBuf,
    timeseries: Option<(TempFile, BufWriter<fs::File>)>,
    events: Option<(TempFile, csv::Writer<fs::File>)>,
    /// The first write error; later rows are dropped and `commit` reports it.
    error: Option<OutputError>,
    line: String,
}

impl std::fmt::Debug for RunFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunFiles").field("dir", &self.dir).finish()
    }
}

impl RunFiles {
    /// Prepares `dir` (created if needed) for a new run: removes the
    /// summary.json of an earlier run there, so that the directory does not
    /// look complete until this run's summary is written, and opens the
    /// temporary files.
    pub fn create(dir: &Path) -> Result<RunFiles, OutputError> {
        ensure_dir(dir)?;
        let summary = dir.join("summary.json");
        match fs::remove_file(&summary) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(OutputError::Io {
                    path: summary,
                    source: e,
                });
            }
            _ => {}
        }
        let (ts_tmp, ts) = TempFile::create(dir, "timeseries.csv")?;
        let (ev_tmp, ev) = TempFile::create(dir, "events.csv")?;
        Ok(RunFiles {
            dir: dir.to_path_buf(),
            timeseries: Some((ts_tmp, BufWriter::with_capacity(64 * 1024, ts))),
            events: Some((ev_tmp, csv::Writer::from_writer(ev))),
            error: None,
            line: String::new(),
        })
    }

    /// The temporary files this run may be writing in its directory,
    /// [`write_scenario`]'s included (for a signal handler that must remove
    /// them before the process exits).
    pub fn temp_paths(&self) -> Vec<PathBuf> {
        [
            "timeseries.csv",
            "events.csv",
            "scenario.yaml",
            "scenario.resolved.txt",
            "summary.json",
        ]
        .iter()
        .map(|name| tmp_path(&self.dir, name))
        .collect()
    }

    fn failed(&mut self, name: &str, source: std::io::Error) {
        if self.error.is_none() {
            self.error = Some(OutputError::Io {
                path: tmp_path(&self.dir, name),
                source,
            });
        }
    }

    fn write_line(&mut self) {
        if self.error.is_some() {
            return;
        }
        if let Some((_, w)) = &mut self.timeseries
            && let Err(e) = w.write_all(self.line.as_bytes())
        {
            self.failed("timeseries.csv", e);
        }
    }

    fn write_event(&mut self, e: Option<&EventRecord>) {
        if self.error.is_some() {
            return;
        }
        if let Some((_, w)) = &mut self.events {
            let r = match e {
                Some(e) => sim::write_event(w, e),
                None => sim::write_events_header(w),
            };
            if let Err(err) = r {
                self.failed("events.csv", err.into());
            }
        }
    }

    /// Renames timeseries.csv and events.csv into place (each synced to
    /// disk first), then writes summary.json, which marks the directory
    /// complete. Reports the first error met while streaming, if any.
    pub fn commit(mut self, result: &RunResult) -> Result<(), OutputError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let dir = self.dir.clone();
        if let Some((tmp, w)) = self.timeseries.take() {
            let f = w.into_inner().map_err(|e| OutputError::Io {
                path: tmp.path.clone(),
                source: e.into_error(),
            })?;
            tmp.place(f, &dir, "timeseries.csv")?;
        }
        if let Some((tmp, w)) = self.events.take() {
            let f = w.into_inner().map_err(|e| OutputError::Io {
                path: tmp.path.clone(),
                source: e.into_error(),
            })?;
            tmp.place(f, &dir, "events.csv")?;
        }
        write_atomic(&dir, "summary.json", &result.summary_json())
    }
}

impl RunSink for RunFiles {
    fn start(&mut self, columns: &Columns) {
        self.line = sim::timeseries_header(
            &columns.workload_names,
            &columns.traffic_names,
            &columns.job_names,
        );
        self.write_line();
        self.write_event(None);
    }

    fn sample(&mut self, row: Sample) {
        self.line.clear();
        sim::timeseries_row(&mut self.line, &row);
        self.write_line();
    }

    fn event(&mut self, record: EventRecord) {
        self.write_event(Some(&record));
    }
}
