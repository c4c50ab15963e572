//! Loader tests for `jobs` (defaults, arrivals, traces, references and
//! limits).

use super::*;
use crate::dist::Dist;
use crate::engine::SimDuration;

const BASE: &str = "\
name: base
duration: 1d
cluster:
  node_pools:
    - {name: general, count: 4, cpu: 4, memory: 16Gi}
jobs:
  - name: etl
    cpu: 500m
    memory: 1Gi
    run_time: 5m
";

fn ok_with(extra: &str, sets: &[&str]) -> Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    load_str(&format!("{BASE}{extra}"), "test.yaml", &sets)
        .unwrap_or_else(|e| panic!("expected to load:\n{e}"))
}

fn errors(text: &str) -> Vec<String> {
    match load_str(text, "test.yaml", &[]) {
        Ok(_) => panic!("expected errors:\n{text}"),
        Err(e) => e.to_string().lines().map(str::to_string).collect(),
    }
}

#[track_caller]
fn assert_error(lines: &[String], path: &str, needle: &str) {
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!(" {path}: ")) && l.contains(needle)),
        "no error at {path} containing {needle:?} in:\n{}",
        lines.join("\n")
    );
}

/// Upstream `SetDefaults_Job`: both unset is 1 and 1; parallelism alone
/// leaves completions unset (a work queue); completions alone takes
/// parallelism 1; backoffLimit 6.
#[test]
fn parallelism_and_completions_default_as_upstream() {
    let j = &ok_with("    arrivals: {rate: 0.1}\n", &[]).jobs[0];
    assert_eq!(
        (j.parallelism, j.completions, j.backoff_limit),
        (1, Some(1), 6)
    );
    assert_eq!(j.run_time, Dist::Fixed(SimDuration::from_secs(300)));
    assert_eq!(j.failure_probability, 0.0);
    let j = &ok_with("    arrivals: {rate: 0.1}\n    parallelism: 4\n", &[]).jobs[0];
    assert_eq!((j.parallelism, j.completions), (4, None));
    let j = &ok_with("    arrivals: {rate: 0.1}\n    completions: 9\n", &[]).jobs[0];
    assert_eq!((j.parallelism, j.completions), (1, Some(9)));
    let j = &ok_with(
        "    arrivals: {rate: 0.1}\n    failure_probability: 5%\n    backoff_limit: 0\n",
        &[],
    )
    .jobs[0];
    assert!((j.failure_probability - 0.05).abs() < 1e-12);
    assert_eq!(j.backoff_limit, 0);
}

#[test]
fn arrivals_take_a_rate_with_a_pattern_and_set_overrides_apply() {
    let sc = ok_with(
        "    arrivals: {rate: 2, pattern: {diurnal: {amplitude: 0.5}}}\n",
        &["jobs.etl.parallelism=3", "jobs.etl.arrivals.rate=0.25"],
    );
    let j = &sc.jobs[0];
    assert_eq!(j.parallelism, 3);
    match &j.arrivals {
        JobArrivals::Poisson {
            rate_per_s,
            pattern,
        } => {
            assert_eq!(*rate_per_s, 0.25);
            assert!(matches!(pattern, TrafficPattern::Diurnal { .. }));
        }
        other => panic!("{other:?}"),
    }
    // The scheduler sees the workloads, then the class's stand-in.
    let specs = sc.pod_specs();
    assert_eq!(specs.len(), 1);
    assert!(specs[0].job && specs[0].spread.is_empty());
    assert_eq!(specs[0].cpu.0, 500);
}

#[test]
fn arrivals_need_exactly_one_source() {
    let e = errors(&format!("{BASE}    arrivals: {{}}\n"));
    assert_error(&e, "jobs[0].arrivals", "missing field `rate` or `trace`");
    let e = errors(&format!("{BASE}    arrivals: {{rate: 1, trace: x.csv}}\n"));
    assert_error(&e, "jobs[0].arrivals.trace", "not both");
    let e = errors(&format!("{BASE}    arrivals: {{rat: 1}}\n"));
    assert_error(&e, "jobs[0].arrivals.rat", "did you mean `rate`");
    let e = errors(&BASE.replace("    cpu: 500m\n", ""));
    assert_error(&e, "jobs[0]", "missing field `arrivals`");
}

#[test]
fn limits_guard_against_runaway_arrivals_and_sizes() {
    // 200 jobs/s for a day is 17 million jobs.
    let e = errors(&format!("{BASE}    arrivals: {{rate: 200}}\n"));
    assert_error(&e, "jobs[0].arrivals.rate", "limit of 10000000");
    // 10 jobs/s of 100 pods is 86 million pods.
    let e = errors(&format!(
        "{BASE}    arrivals: {{rate: 10}}\n    parallelism: 100\n    completions: 100\n"
    ));
    assert_error(&e, "jobs", "limit of 10000000");
    let e = errors(&format!(
        "{BASE}    arrivals: {{rate: 0.1}}\n    parallelism: 2000000\n"
    ));
    assert_error(&e, "jobs[0].parallelism", "limit of 1000000 pods per job");
    // A pod no node can hold.
    let e = errors(&format!(
        "{}    arrivals: {{rate: 0.1}}\n",
        BASE.replace("cpu: 500m", "cpu: 64")
    ));
    assert_error(&e, "jobs[0].cpu", "could never be scheduled");
}

#[test]
fn job_class_names_are_unique_among_classes() {
    let text = format!(
        "{BASE}    arrivals: {{rate: 0.1}}\n  - {{name: etl, arrivals: {{rate: 1}}, cpu: 1, memory: 1Gi, run_time: 1m}}\n"
    );
    let e = errors(&text);
    assert_error(&e, "jobs[1].name", "duplicate job class name `etl`");
}

/// Loads a scenario replaying `csv` (as t.csv beside it, in a temporary
/// directory) for a class with the fields `class`.
fn load_trace(csv: &str, class: &str) -> Result<Scenario, Vec<String>> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("t.csv"), csv).unwrap();
    let text = format!(
        "name: t\nduration: 1h\ncluster:\n  node_pools:\n    - {{name: p, count: 1, cpu: 4, memory: 8Gi}}\n\
         jobs:\n  - name: etl\n    arrivals: {{trace: t.csv}}\n{class}"
    );
    load_str(&text, dir.join("t.yaml").to_str().unwrap(), &[])
        .map_err(|e| e.to_string().lines().map(str::to_string).collect())
}

#[test]
fn a_trace_fills_what_the_class_leaves_out() {
    let sc = load_trace(
        "# header first\narrival_s,memory\n0,2Gi\n\n1.5,512Mi\n",
        "    cpu: 250m\n    run_time: {dist: exponential, mean: 1m}\n",
    )
    .unwrap();
    let JobArrivals::Trace { trace, .. } = &sc.jobs[0].arrivals else {
        panic!("a trace")
    };
    assert_eq!(trace.jobs.len(), 2);
    assert_eq!(trace.jobs[1].arrival, SimDuration::from_millis(1500));
    assert_eq!(trace.jobs[1].cpu.0, 250);
    assert_eq!(trace.jobs[0].memory.0, 2 << 30);
    assert_eq!(
        trace.jobs[0].run_time, None,
        "drawn from the class's run_time"
    );
}

#[test]
fn trace_problems_are_reported_at_their_line_and_column() {
    let e = load_trace(
        "arrival_s,cpu,duration_s\n5,1,10\n2,1,10\n7,lots,10\n9,9,10\n10,1\n",
        "    memory: 1Gi\n",
    )
    .unwrap_err();
    let all = e.join("\n");
    assert!(
        all.contains("t.csv:3:1: jobs[0].arrivals.trace: arrival 2 s comes before 5 s on line 2"),
        "{all}"
    );
    assert!(
        all.contains("t.csv:4:3: jobs[0].arrivals.trace: column cpu:"),
        "{all}"
    );
    assert!(
        all.contains("t.csv:5:3:") && all.contains("could never be scheduled"),
        "{all}"
    );
    assert!(
        all.contains("t.csv:6:1:") && all.contains("expected 3 cells"),
        "{all}"
    );
    let e = load_trace(
        "# nothing\n",
        "    cpu: 1\n    memory: 1Gi\n    run_time: 1m\n",
    )
    .unwrap_err();
    assert!(e.join("\n").contains("the trace is empty"), "{e:?}");
    let e = load_trace(
        "arrival_s\n",
        "    cpu: 1\n    memory: 1Gi\n    run_time: 1m\n",
    )
    .unwrap_err();
    assert!(e.join("\n").contains("the trace has no jobs"), "{e:?}");
    let e = load_trace("cpu\n1\n", "    memory: 1Gi\n    run_time: 1m\n").unwrap_err();
    assert!(e.join("\n").contains("no `arrival_s` column"), "{e:?}");
    let e = load_trace(
        "arrival_s,cpu\n0,1\n",
        "    cpu: 1\n    memory: 1Gi\n    run_time: 1m\n",
    )
    .unwrap_err();
    assert!(
        e.join("\n").contains("jobs[0].cpu: `cpu` is given twice"),
        "{e:?}"
    );
}
