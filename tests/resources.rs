//! Resource bounds: a run's memory follows the cluster, not the simulated
//! time; outputs are streamed and appear only complete; the event log can
//! be limited; a sweep of the soak scenario runs clean with the invariant
//! checker on.

use kubesim::output::RunFiles;
use kubesim::scenario;
use kubesim::sim::{Discard, EventLog, RunResult, Simulation};
use kubesim::sweep::{Progress, Sweep, SweepOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::AtomicBool;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn soak(sets: &[&str]) -> scenario::Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    scenario::load_file(&root().join("scenarios/soak.yaml"), &sets).expect("soak.yaml loads")
}

fn kubesim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("kubesim runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

/// The soak scenario without per-second traffic noise (the noise costs
/// time, not memory), for `duration`.
fn soak_run(duration: &str) -> RunResult {
    let sc = soak(&[
        &format!("duration={duration}"),
        "workloads.web.traffic.noise=none",
    ]);
    Simulation::new(sc, 3)
        .unwrap()
        .check_invariants(true)
        .run_with(&mut Discard)
}

#[test]
fn a_year_holds_the_pods_of_a_week() {
    let week = soak_run("7d");
    let year = soak_run("365d");
    for r in [&week, &year] {
        assert!(
            r.summary.invariant_violations.is_empty(),
            "{:?}",
            r.summary.invariant_violations
        );
    }
    let (w, y) = (week.footprint, year.footprint);
    // The soak cluster replaces pods all the time (node failures every 5
    // days per node, spot reclaims every 2 days, crashes, the HPA): 52 times
    // the simulated time creates many times the pods.
    assert!(
        y.pods_created > 10 * w.pods_created,
        "week {w:?}, year {y:?}"
    );
    // But a year holds at most what a week holds plus one batch of gone
    // pods awaiting release (and the few a pending timer still refers to).
    // The week holds every pod it made: fewer than a batch went.
    assert_eq!(w.pods_held_peak, w.pods_created);
    assert!(
        y.pods_held_peak <= w.pods_held_peak + kubesim::sim::RECLAIM_BATCH,
        "week {w:?}, year {y:?}"
    );
    // No rows wait in memory: each event's rows go to the sink at once
    // (one sample, or an event's few records).
    assert!(
        w.rows_buffered_peak <= 16 && y.rows_buffered_peak <= 16,
        "week {w:?}, year {y:?}"
    );
}

#[test]
fn released_pods_leave_the_outputs_unchanged() {
    // Pods are released in batches; a run long enough for several batches
    // gives the same bytes with every row kept in memory as streamed.
    let sc = soak(&["duration=60d", "workloads.web.traffic.noise=none"]);
    let kept = Simulation::new(sc.clone(), 5).unwrap().run();
    assert!(kept.footprint.pods_created > 3 * kubesim::sim::RECLAIM_BATCH);
    let dir = tempfile::tempdir().unwrap();
    let mut files = RunFiles::create(dir.path()).unwrap();
    let streamed = Simulation::new(sc, 5).unwrap().run_with(&mut files);
    files.commit(&streamed).unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("timeseries.csv")).unwrap(),
        kept.timeseries_csv()
    );
    assert_eq!(
        std::fs::read(dir.path().join("events.csv")).unwrap(),
        kept.events_csv()
    );
    assert!(streamed.samples.is_empty() && streamed.events.is_empty());
    assert_eq!(streamed.summary.events, kept.summary.events);
    assert_eq!(
        format!("{:?}", streamed.summary.workloads),
        format!("{:?}", kept.summary.workloads)
    );
}

#[test]
fn streamed_files_appear_only_when_the_run_is_complete() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    // A complete run from before is in the directory.
    std::fs::write(out.join("summary.json"), "{}\n").unwrap();
    std::fs::write(out.join("timeseries.csv"), "old\n").unwrap();
    let sc = soak(&["duration=5d"]);

    // A run that does not finish (dropped before its commit): the old
    // summary.json is gone at once, the partial files with the run.
    let mut files = RunFiles::create(out).unwrap();
    assert_eq!(names(out).len(), 3, "{:?}", names(out)); // 2 hidden + old csv
    assert!(!out.join("summary.json").exists());
    let r = Simulation::new(sc.clone(), 1).unwrap().run_with(&mut files);
    assert!(r.summary.events > 0);
    assert!(names(out).iter().any(|n| n.starts_with(".timeseries.csv.")));
    drop(files);
    assert_eq!(names(out), ["timeseries.csv"]);
    assert_eq!(
        std::fs::read_to_string(out.join("timeseries.csv")).unwrap(),
        "old\n"
    );

    // A run that finishes: three files, nothing hidden left.
    let mut files = RunFiles::create(out).unwrap();
    let r = Simulation::new(sc, 1).unwrap().run_with(&mut files);
    files.commit(&r).unwrap();
    assert_eq!(names(out), ["events.csv", "summary.json", "timeseries.csv"]);
}

#[test]
fn the_event_log_can_be_limited_or_turned_off() {
    let sc = soak(&["duration=5d"]);
    let all = Simulation::new(sc.clone(), 1).unwrap().run();
    let n = all.events.len() as u64;
    assert!(n > 5, "{n}");
    assert_eq!(all.summary.events_not_logged, None);
    let first = Simulation::new(sc.clone(), 1)
        .unwrap()
        .event_log(EventLog::First(5))
        .run();
    assert_eq!(first.events, all.events[..5]);
    assert_eq!(first.summary.events_not_logged, Some(n - 5));
    let none = Simulation::new(sc, 1)
        .unwrap()
        .event_log(EventLog::None)
        .run();
    assert!(none.events.is_empty());
    assert_eq!(none.summary.events_not_logged, Some(n));
    // The log changes nothing else.
    assert_eq!(none.timeseries_csv(), all.timeseries_csv());
    assert_eq!(none.summary.events, all.summary.events);
}

#[test]
fn run_event_log_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let o = kubesim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--event-log",
        "none",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("events.csv")).unwrap(),
        "time_s,kind,object,detail\n"
    );
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("\"events_not_logged\": "), "{summary}");
    assert!(!names(&out).iter().any(|n| n.ends_with(".tmp")));

    // The first 3: the report says the timeline may miss some.
    let o = kubesim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--event-log",
        "3",
        "--out",
        out.to_str().unwrap(),
        "--report",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let events = std::fs::read_to_string(out.join("events.csv")).unwrap();
    assert_eq!(events.lines().count(), 4, "{events}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("limited with --event-log"),
        "no note in report.html"
    );

    let o = kubesim(&["run", "--event-log", "some", "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("expected `all`, `none` or a number of events"),
        "{}",
        stderr(&o)
    );
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_no_complete_looking_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    // A year of the soak scenario takes seconds even in release builds;
    // the signal comes as soon as its files are being written.
    let child = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args([
            "run",
            "scenarios/soak.yaml",
            "--set",
            "duration=365d",
            "--out",
        ])
        .arg(&out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    // Its files are open once the scenario files (written next) are there.
    while !out.join("scenario.resolved.txt").exists() {
        assert!(t0.elapsed().as_secs() < 60, "the run did not start");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let st = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .unwrap();
    assert!(st.success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(stderr(&o).contains("did not finish"), "{}", stderr(&o));
    // The scenario files (written first) and nothing else.
    assert_eq!(names(&out), ["scenario.resolved.txt", "scenario.yaml"]);
}

/// The soak of README "Robustness", cut to 50 runs of five days: every run
/// with the full invariant check, no violation.
#[test]
fn soak_sweep_with_the_invariant_checker() {
    let dir = tempfile::tempdir().unwrap();
    let opts = SweepOptions {
        scenario: root().join("scenarios/soak.yaml"),
        sets: vec!["duration=5d".to_string()],
        varies: vec![],
        seeds: 50,
        jobs: 2,
        out: dir.path().join("soak"),
        shard: None,
        gates: vec![],
        baseline: None,
        check_invariants: true,
    };
    let sweep = Sweep::prepare(opts).unwrap();
    let outcome = sweep
        .run(&AtomicBool::new(false), &Progress::new(50, true))
        .unwrap();
    let results = outcome.results.expect("a whole sweep");
    assert_eq!(outcome.ran, 50);
    assert!(results.violations.is_empty(), "{:?}", results.violations);
}
