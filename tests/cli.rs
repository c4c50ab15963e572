//! The `kubesim` binary: outputs, exit codes, messages.

use std::path::PathBuf;
use std::process::{Command, Output};

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

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn run_writes_the_three_files_with_every_required_key() {
    let dir = tmp();
    let out = dir.path().join("q");
    let o = kubesim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    for k in [
        "kubesim_version",
        "scenario",
        "seed",
        "sim_duration_s",
        "events",
        "wall_time_s",
        "cluster",
        "workloads",
        "rollouts",
    ] {
        assert!(summary.get(k).is_some(), "summary.json lacks {k}");
    }
    for k in [
        "cpu_allocation",
        "memory_allocation",
        "cpu_usage",
        "node_hours",
        "pending_pod_seconds",
    ] {
        assert!(
            summary["cluster"].get(k).is_some(),
            "summary.json lacks cluster.{k}"
        );
    }
    for (name, w) in summary["workloads"].as_object().unwrap() {
        for k in [
            "service_availability",
            "slo_attainment",
            "request_success_ratio",
            "downtime_s",
            "incidents",
            "mean_ready",
            "min_ready",
            "replicas_min",
            "replicas_max",
            "replicas_final",
        ] {
            assert!(
                w.get(k).is_some(),
                "summary.json lacks workloads.{name}.{k}"
            );
        }
    }
    let rollouts = summary["rollouts"].as_array().unwrap();
    assert!(!rollouts.is_empty());
    for k in [
        "workload",
        "start_s",
        "duration_s",
        "completed",
        "max_total_pods",
        "min_available",
    ] {
        assert!(rollouts[0].get(k).is_some(), "rollouts[0] lacks {k}");
    }
    let ts = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    assert!(ts.starts_with("time_s,web_desired,web_ready,web_serving,api_desired"));
    let ev = std::fs::read_to_string(out.join("events.csv")).unwrap();
    assert!(ev.starts_with("time_s,kind,object,detail\n"));
    // No temporary files left behind.
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    // stdout has the summary table.
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("availability") && stdout.contains("web"),
        "{stdout}"
    );
}

#[test]
fn run_without_a_scenario_runs_the_embedded_quickstart() {
    let o = kubesim(&["run", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn same_seed_twice_gives_byte_identical_files() {
    let dir = tmp();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    for d in [&a, &b] {
        let o = kubesim(&[
            "run",
            "scenarios/quickstart.yaml",
            "--seed",
            "5",
            "--quiet",
            "--out",
            d.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let read = |d: &PathBuf, f: &str| std::fs::read(d.join(f)).unwrap();
    assert_eq!(read(&a, "events.csv"), read(&b, "events.csv"));
    assert_eq!(read(&a, "timeseries.csv"), read(&b, "timeseries.csv"));
    let strip = |d: &PathBuf| {
        let mut v: serde_json::Value = serde_json::from_slice(&read(d, "summary.json")).unwrap();
        v["wall_time_s"] = serde_json::Value::Null;
        v
    };
    assert_eq!(strip(&a), strip(&b));
}

#[test]
fn validate_accepts_good_files_and_rejects_bad_ones_with_exit_2() {
    let o = kubesim(&["validate", "scenarios/quickstart.yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let dir = tmp();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "name: x\nduration: 1h\nworkloads:\n  - name: web\n    replica: 3\n    cpu: 1\n    memory: 1Gi\n").unwrap();
    let o = kubesim(&["validate", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("bad.yaml") && err.contains("replica") && err.contains("replicas"),
        "{err}"
    );
}

#[test]
fn missing_file_and_bad_out_are_input_errors() {
    let o = kubesim(&["run", "no/such/file.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no/such/file.yaml"), "{}", stderr(&o));
    let dir = tmp();
    let file = dir.path().join("f");
    std::fs::write(&file, "x").unwrap();
    let o = kubesim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a directory"), "{}", stderr(&o));
}

#[test]
fn unknown_set_path_is_an_input_error() {
    let o = kubesim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--set",
        "workloads.web.replica=3",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("replicas"), "{}", stderr(&o));
}
