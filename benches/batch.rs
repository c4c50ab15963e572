//! End to end, batch (issue 8, benchmarks (a) and (b)): about 100,000
//! one-pod Jobs (Poisson arrivals at 12.5/s, exponential runs of mean
//! 300 s, 8,000 simulated seconds) on 1,000 and on 10,000 nodes
//! (`benches/scenarios/bench-batch-1k.yaml`, `-10k.yaml`).
//!
//! Each run happens in a child process of this binary, so that its peak
//! resident memory (`VmHWM`) is its own. Prints, for the run with the median
//! wall time: wall time, CPU time of the simulation (`/proc/self/schedstat`:
//! less disturbed than wall time on a shared machine), model events, events
//! per second of CPU time, peak RSS (the largest of the runs), and the cost
//! per event of (b) relative to (a).
//!
//! Run: `cargo bench --bench batch` (`-- --runs 5` for more runs, `--
//! --only 1k` for one scenario).

#[path = "common/proc.rs"]
mod proc;

use kubesim::scenario;
use kubesim::sim::Simulation;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const SCENARIOS: &[(&str, &str)] = &[
    ("(a) 1k nodes", "benches/scenarios/bench-batch-1k.yaml"),
    ("(b) 10k nodes", "benches/scenarios/bench-batch-10k.yaml"),
];

/// One run's figures.
#[derive(Clone, Copy)]
struct Figures {
    wall_s: f64,
    cpu_s: f64,
    events: u64,
    pods: u64,
    peak_rss_kib: u64,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(Path::new(&args[i + 1]));
        return;
    }
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    let runs: usize = value("--runs").and_then(|v| v.parse().ok()).unwrap_or(3);
    let only = value("--only");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let exe = std::env::current_exe().expect("own path");
    println!(
        "{:<14} {:>8} {:>8} {:>8} {:>7} {:>13} {:>13} {:>8}",
        "benchmark", "wall_s", "cpu_s", "events", "pods", "events_per_s", "ns_per_event", "rss_mib"
    );
    let mut per_event = Vec::new();
    for (label, file) in SCENARIOS {
        if only.is_some_and(|o| !label.contains(o.as_str())) {
            continue;
        }
        let mut all: Vec<Figures> = (0..runs).map(|_| spawn(&exe, &root.join(file))).collect();
        all.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
        let m = all[all.len() / 2];
        let rss = all.iter().map(|f| f.peak_rss_kib).max().unwrap_or(0);
        let ns = m.cpu_s * 1e9 / m.events as f64;
        per_event.push(ns);
        println!(
            "{:<14} {:>8.3} {:>8.3} {:>8} {:>7} {:>13.0} {:>13.0} {:>8.1}",
            label,
            m.wall_s,
            m.cpu_s,
            m.events,
            m.pods,
            m.events as f64 / m.cpu_s,
            ns,
            rss as f64 / 1024.0
        );
    }
    if let [a, b] = per_event[..] {
        println!("(b) / (a) per event: {:.2}x", b / a);
    }
}

/// Runs this binary on one scenario in a child process.
fn spawn(exe: &Path, scenario: &Path) -> Figures {
    let out = Command::new(exe)
        .arg("--child")
        .arg(scenario)
        .output()
        .expect("child runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let v: Vec<f64> = text
        .split_whitespace()
        .map(|x| x.parse().expect("a number"))
        .collect();
    Figures {
        wall_s: v[0],
        cpu_s: v[1],
        events: v[2] as u64,
        pods: v[3] as u64,
        peak_rss_kib: v[4] as u64,
    }
}

/// The child: loads and runs the scenario, prints `wall cpu events pods
/// rss`.
fn child(path: &Path) {
    let sc = scenario::load_file(path, &[]).unwrap_or_else(|e| panic!("{e}"));
    let seed = sc.seed;
    let (start, cpu_start) = (Instant::now(), proc::cpu_time_s());
    let r = Simulation::new(sc, seed).expect("supported").run();
    let wall = start.elapsed().as_secs_f64();
    let cpu = proc::cpu_time_s() - cpu_start;
    let pods = r.summary.jobs.as_ref().map_or(0, |j| j.total.pods_created);
    println!(
        "{wall} {cpu} {} {pods} {}",
        r.summary.events,
        proc::peak_rss_kib()
    );
}
