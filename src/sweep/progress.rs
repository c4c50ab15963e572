//! Progress of a sweep on stderr: an indicatif bar (runs done/total, ETA)
//! when stderr is a terminal, otherwise a plain line at every tenth of the
//! work, so CI logs show progress without control characters.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Reports runs as they finish. Safe to share between worker threads.
pub struct Progress {
    bar: ProgressBar,
    plain: bool,
    total: u64,
    done: AtomicU64,
    start: Instant,
    printed_tenth: Mutex<u64>,
}

impl Progress {
    /// A reporter for `total` runs. `quiet` shows nothing.
    pub fn new(total: u64, quiet: bool) -> Progress {
        let target = if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} runs  eta {eta}",
            )
            .expect("valid template"),
        );
        if !bar.is_hidden() {
            bar.enable_steady_tick(Duration::from_millis(200));
        }
        Progress {
            plain: !quiet && bar.is_hidden(),
            bar,
            total,
            done: AtomicU64::new(0),
            start: Instant::now(),
            printed_tenth: Mutex::new(0),
        }
    }

    /// A reporter that shows nothing.
    pub fn hidden() -> Progress {
        Progress::new(0, true)
    }

    /// Whether the bar is drawn (stderr is a terminal and not quiet).
    pub fn is_drawn(&self) -> bool {
        !self.bar.is_hidden()
    }

    /// One more run finished.
    pub fn inc(&self) {
        self.bar.inc(1);
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if !self.plain || self.total == 0 {
            return;
        }
        let tenth = done * 10 / self.total;
        let mut printed = self.printed_tenth.lock().expect("not poisoned");
        if tenth > *printed {
            *printed = tenth;
            let elapsed = self.start.elapsed().as_secs_f64();
            let left = elapsed * (self.total - done) as f64 / done as f64;
            eprintln!(
                "sweep: {done}/{} runs ({}%), {elapsed:.1} s elapsed, about {left:.1} s left",
                self.total,
                done * 100 / self.total
            );
        }
    }

    /// Prints a line above the bar (or plainly when there is none).
    pub fn println(&self, line: &str) {
        if self.is_drawn() {
            self.bar.println(line);
        } else {
            eprintln!("{line}");
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
