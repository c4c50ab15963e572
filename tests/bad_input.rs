//! The bad-input catalogue: every file under tests/fixtures/bad/ must be
//! refused with exit code 2 and a message that names the file, the place
//! (line:column and field path where there is one) and what was expected.

use std::process::Command;

fn kubesim(args: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("kubesim runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// (fixture, substrings the message must contain)
const CATALOGUE: &[(&str, &[&str])] = &[
    ("not-yaml.yaml", &["not-yaml.yaml:2:7", "':'"]),
    ("binary-garbage.yaml", &["binary-garbage.yaml", "not UTF-8"]),
    (
        "empty.yaml",
        &["empty.yaml:1:1", "expected a mapping", "duration"],
    ),
    ("truncated.yaml", &["truncated.yaml:5:", "unclosed"]),
    ("alias-bomb.yaml", &["alias-bomb.yaml:", "alias", "limit"]),
    (
        "deeply-nested.yaml",
        &["deeply-nested.yaml:1:", "recursion limit"],
    ),
    (
        "unknown-field.yaml",
        &[
            "unknown-field.yaml:8:17",
            "workloads[0].replica",
            "did you mean `replicas`",
        ],
    ),
    (
        "wrong-type.yaml",
        &[
            "wrong-type.yaml:8:",
            "workloads[0].replicas",
            "whole number",
            "three",
        ],
    ),
    (
        "negative-duration.yaml",
        &["negative-duration.yaml:2:11", "duration", "negative"],
    ),
    (
        "zero-duration.yaml",
        &["zero-duration.yaml:2:11", "more than zero"],
    ),
    (
        "malformed-cpu.yaml",
        &["malformed-cpu.yaml:8:", "workloads[0].cpu", "500m", "5x"],
    ),
    (
        "negative-memory.yaml",
        &["negative-memory.yaml:6:", "memory", "negative", "-1Gi"],
    ),
    (
        "percent-over-100.yaml",
        &[
            "percent-over-100.yaml:9:",
            "max_unavailable",
            "at most 100%",
        ],
    ),
    (
        "surge-and-unavailable-zero.yaml",
        &["max_unavailable may not be 0 when max_surge is 0"],
    ),
    (
        "duplicate-names.yaml",
        &[
            "duplicate-names.yaml:9:",
            "duplicate workload name `web`",
            "line 8",
        ],
    ),
    (
        "unknown-references.yaml",
        &[
            "unknown workload `wbe` (did you mean `web`?)",
            "unknown node pool `genral` (did you mean `general`?)",
            "unknown zone `c` (defined zones: a, b)",
            "no node `general-7`",
        ],
    ),
    (
        "event-after-end.yaml",
        &[
            "event-after-end.yaml:10:",
            "events[0].at",
            "not before the end",
        ],
    ),
    (
        "too-many-nodes.yaml",
        &["cluster.node_pools[0].count", "limit of 100000 nodes"],
    ),
    ("too-many-replicas.yaml", &["limit of 1000000"]),
    ("too-long.yaml", &["too-long.yaml:2:", "limit of 3650d"]),
    (
        "too-fine-resolution.yaml",
        &["sample_interval", "limit of 10000000", "at least"],
    ),
    (
        "name-escapes-directory.yaml",
        &["workloads[0].name", "invalid name", "DNS label"],
    ),
    (
        "scenario-name-escapes.yaml",
        &["scenario-name-escapes.yaml:1:", "name: invalid name"],
    ),
    (
        "jobs-unknown-column.yaml",
        &[
            "unknown-column.csv:1:11",
            "jobs[0].arrivals.trace",
            "unknown column `cpus`",
            "did you mean `cpu`",
        ],
    ),
    (
        "jobs-negative-duration.yaml",
        &["negative-duration.csv:4:4", "duration_s", "negative"],
    ),
    (
        "jobs-trace-missing.yaml",
        &[
            "jobs-trace-missing.yaml:8:23",
            "jobs[0].arrivals.trace",
            "cannot read job trace",
            "no-such-trace.csv",
            "relative to the scenario file",
        ],
    ),
    (
        "jobs-several-problems.yaml",
        &[
            "jobs-several-problems.yaml:9:",
            "job class name `web` is also a workload's name",
            "jobs-several-problems.yaml:13:",
            "jobs[0].run_time",
            "jobs[0].paralelism: unknown field",
            "did you mean `parallelism`",
            "jobs[1].arrivals.rate: must be more than zero",
            "jobs[1].completions: must be at least 1",
            "jobs[1].failure_probability: must be between 0 and 1",
            "jobs[2].arrivals.pattern",
            "jobs[2].cpu: `cpu` is given twice",
            "jobs[2].run_time: `run_time` is given twice",
        ],
    ),
    (
        "several-problems.yaml",
        &[
            "node_pools[0].cpu: a node needs more than 0 cpu",
            "workloads[0].replica: unknown field",
            "workloads[1].replicas: expected a non-negative number",
            "workloads[1].startup_time: expected a duration",
        ],
    ),
];

#[test]
fn every_bad_file_is_refused_with_exit_2_and_a_precise_message() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad");
    let mut listed: Vec<&str> = CATALOGUE.iter().map(|(f, _)| *f).collect();
    listed.sort_unstable();
    let mut present: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    present.sort();
    assert_eq!(
        listed, present,
        "every fixture has an entry and every entry a fixture"
    );
    let mut failures = Vec::new();
    for (file, needles) in CATALOGUE {
        for cmd in ["validate", "run"] {
            let path = format!("tests/fixtures/bad/{file}");
            let (code, err) = kubesim(&[cmd, &path]);
            if code != Some(2) {
                failures.push(format!("{cmd} {file}: exit {code:?}, stderr {err}"));
            }
            for n in *needles {
                if !err.contains(n) {
                    failures.push(format!("{cmd} {file}: message lacks {n:?}: {err}"));
                }
            }
            if err.contains("panicked") {
                failures.push(format!("{cmd} {file}: panicked: {err}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn out_that_is_a_file_or_unwritable_is_refused_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, "x").unwrap();
    let (code, err) = kubesim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not a directory"), "{err}");
    // A directory under a file cannot be created.
    let below = file.join("sub");
    let (code, err) = kubesim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--out",
        below.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(below.to_str().unwrap()), "{err}");
}

#[test]
fn bad_set_arguments_are_refused() {
    for (set, needle) in [
        ("workloads.web.replica=3", "did you mean `replicas`"),
        ("workloads.nope.replicas=3", "nope"),
        ("workloads.web.replicas=many", "whole number"),
        ("duration", "PATH=VALUE"),
    ] {
        let (code, err) = kubesim(&["validate", "scenarios/quickstart.yaml", "--set", set]);
        assert_eq!(code, Some(2), "--set {set}: {err}");
        assert!(err.contains(needle), "--set {set}: {err}");
    }
}
