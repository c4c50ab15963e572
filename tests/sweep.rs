//! `kubesim sweep` and `kubesim merge`: determinism across thread counts,
//! shards merged equal to the unsharded sweep, gates, resume, limits, and
//! the coverage of the confidence intervals on a closed-form scenario.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kubesim(args: &[&str]) -> Output {
    kubesim_env(args, &[])
}

fn kubesim_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubesim"));
    c.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("kubesim runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) {
    assert!(o.status.success(), "exit {:?}: {}", o.status, stderr(o));
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A CSV file with the wall-clock columns (always the last ones, named
/// `wall_time_s*`) cut off every line; everything else byte for byte.
fn without_wall(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let head = text.lines().next().unwrap();
    let wall = head
        .split(',')
        .rev()
        .take_while(|c| c.starts_with("wall_time_s"))
        .count();
    assert!(wall > 0, "{}: no wall-clock columns", path.display());
    text.lines()
        .map(|l| {
            let mut fields: Vec<&str> = l.rsplitn(wall + 1, ',').collect();
            fields.pop().unwrap().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A run file with its wall-clock block removed.
fn run_file_without_wall(path: &Path) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("wall");
    v
}

fn run_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Two points x 4 seeds of the quickstart, with a baseline.
const GRID: &[&str] = &[
    "sweep",
    "scenarios/quickstart.yaml",
    "--vary",
    "workloads.api.replicas=2,3",
    "--seeds",
    "4",
    "--baseline",
    "workloads.api.replicas=3",
    "--quiet",
];

fn sweep_into(out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<&str> = GRID.to_vec();
    args.extend(["--out", s(out)]);
    args.extend(extra);
    kubesim(&args)
}

fn assert_same_sweep(a: &Path, b: &Path) {
    for f in ["runs.csv", "aggregate.csv"] {
        assert_eq!(
            without_wall(&a.join(f)),
            without_wall(&b.join(f)),
            "{f} differs"
        );
    }
    assert_eq!(
        std::fs::read(a.join("sweep.json")).unwrap(),
        std::fs::read(b.join("sweep.json")).unwrap()
    );
    let names = run_files(a);
    assert_eq!(names, run_files(b));
    for n in &names {
        assert_eq!(
            run_file_without_wall(&a.join("runs").join(n)),
            run_file_without_wall(&b.join("runs").join(n)),
            "runs/{n} differs"
        );
    }
}

#[test]
fn jobs_1_and_2_give_byte_identical_files_apart_from_wall_clock() {
    let dir = tmp();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    ok(&sweep_into(&a, &["--jobs", "1"]));
    ok(&sweep_into(&b, &["--jobs", "2"]));
    assert_same_sweep(&a, &b);

    let runs = std::fs::read_to_string(a.join("runs.csv")).unwrap();
    let head = runs.lines().next().unwrap();
    assert!(
        head.starts_with("point,param_workloads.api.replicas,seed,cluster.cpu_allocation,"),
        "{head}"
    );
    assert!(head.contains(",workloads.web.slo_attainment,"));
    assert!(head.contains(",rollouts.count,"));
    assert!(head.ends_with(",events,wall_time_s"), "{head}");
    // Rows in (point, seed) order.
    let keys: Vec<(u32, u32)> = runs
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].parse().unwrap(), f[2].parse().unwrap())
        })
        .collect();
    let expected: Vec<(u32, u32)> = (0..2).flat_map(|p| (1..=4).map(move |s| (p, s))).collect();
    assert_eq!(keys, expected);

    let agg = std::fs::read_to_string(a.join("aggregate.csv")).unwrap();
    let head = agg.lines().next().unwrap();
    assert!(head.starts_with("point,param_workloads.api.replicas,runs,cluster.cpu_allocation_mean,cluster.cpu_allocation_std,cluster.cpu_allocation_ci95,cluster.cpu_allocation_diff_mean,cluster.cpu_allocation_diff_ci95,"), "{head}");
    assert!(head.ends_with(",wall_time_s_mean,wall_time_s_std,wall_time_s_ci95"));
    assert_eq!(agg.lines().count(), 3);
    // The baseline's difference to itself is exactly 0.
    let cols: Vec<&str> = head.split(',').collect();
    let row1: Vec<&str> = agg.lines().nth(2).unwrap().split(',').collect();
    let i = cols
        .iter()
        .position(|c| *c == "workloads.api.slo_attainment_diff_mean")
        .unwrap();
    assert_eq!(row1[i], "0");
}

#[test]
fn a_run_row_matches_kubesim_run_with_that_seed() {
    let dir = tmp();
    let out = dir.path().join("a");
    ok(&sweep_into(&out, &["--jobs", "2"]));
    let one = dir.path().join("one");
    ok(&kubesim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--set",
        "workloads.api.replicas=2",
        "--seed",
        "3",
        "--quiet",
        "--out",
        s(&one),
    ]));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(one.join("summary.json")).unwrap()).unwrap();
    let run = run_file_without_wall(&out.join("runs/0-3.json"));
    assert_eq!(
        run["metrics"]["workloads.api.slo_attainment"],
        summary["workloads"]["api"]["slo_attainment"]
    );
    assert_eq!(
        run["metrics"]["cluster.cpu_allocation"],
        summary["cluster"]["cpu_allocation"]
    );
    assert_eq!(
        run["metrics"]["events"].as_f64(),
        summary["events"].as_f64()
    );
}

#[test]
fn shards_merged_equal_the_unsharded_sweep() {
    let dir = tmp();
    let whole = dir.path().join("whole");
    ok(&sweep_into(&whole, &["--jobs", "2"]));
    let shards: Vec<PathBuf> = (1..=3)
        .map(|i| dir.path().join(format!("shard-{i}")))
        .collect();
    ok(&sweep_into(&shards[0], &["--shard", "1/3"]));
    ok(&sweep_into(&shards[1], &["--shard", "2/3", "--jobs", "1"]));
    // The third as a Kubernetes Indexed Job pod would run it.
    let mut args: Vec<&str> = GRID.to_vec();
    args.extend(["--out", s(&shards[2]), "--shard-count", "3"]);
    ok(&kubesim_env(&args, &[("JOB_COMPLETION_INDEX", "2")]));
    // Each shard holds its slice only: run index i = point * 4 + seed - 1.
    assert_eq!(run_files(&shards[0]), ["0-1.json", "0-4.json", "1-3.json"]);
    assert!(!shards[0].join("aggregate.csv").exists());

    let merged = dir.path().join("merged");
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(|p| s(p)));
    args.extend(["--out", s(&merged), "--quiet"]);
    ok(&kubesim(&args));
    assert_same_sweep(&whole, &merged);

    // Without every shard, merge names what is missing and where.
    let o = kubesim(&[
        "merge",
        s(&shards[0]),
        s(&shards[1]),
        "--out",
        s(&dir.path().join("partial")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("missing 2 of 8 runs") && err.contains("shard 3/3"),
        "{err}"
    );
}

#[test]
fn gates_exit_1_naming_each_failing_point_and_0_when_they_hold() {
    let dir = tmp();
    let out = dir.path().join("g");
    let o = sweep_into(
        &out,
        &[
            "--assert",
            "workloads.api.slo_attainment > 1",
            "--assert",
            "lcb(workloads.web.service_availability) >= 99%",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("assert failed: workloads.api.slo_attainment > 1 at 2 of 2 point(s)"),
        "{err}"
    );
    assert!(
        err.contains("point 0 (workloads.api.replicas=2): mean 0.99"),
        "{err}"
    );
    assert!(
        err.contains("point 1 (workloads.api.replicas=3): mean 0.99"),
        "{err}"
    );
    assert!(!err.contains("service_availability"), "{err}");
    // The tables are written even when a gate fails.
    assert!(out.join("aggregate.csv").exists());

    // True gates: exit 0 (the runs are reused, so this is quick).
    let o = sweep_into(
        &out,
        &[
            "--assert",
            "workloads.api.slo_attainment <= 1",
            "--assert",
            "ucb(workloads.web.slo_attainment) == 1",
        ],
    );
    ok(&o);

    // An unknown metric is an input error, found before anything runs.
    let fresh = dir.path().join("fresh");
    let o = sweep_into(&fresh, &["--assert", "workloads.api.slo_atainment >= 0.9"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `workloads.api.slo_attainment`"),
        "{}",
        stderr(&o)
    );
    assert!(!fresh.join("runs").exists());
    // So is a gate on a shard: it needs every run.
    let o = sweep_into(&fresh, &["--shard", "1/2", "--assert", "events > 0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("kubesim merge"), "{}", stderr(&o));
}

#[test]
fn invalid_points_exit_2_naming_the_point_before_running_anything() {
    let dir = tmp();
    let out = dir.path().join("bad");
    let o = kubesim(&[
        "sweep",
        "scenarios/quickstart.yaml",
        "--vary",
        "workloads.api.replicas=2,abc",
        "--vary",
        "workloads.web.replicas=6,7",
        "--out",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("2 of 4 sweep point(s) are invalid; nothing was run"),
        "{err}"
    );
    assert!(
        err.contains(
            "point 2 (workloads.api.replicas=abc, workloads.web.replicas=6) and 1 other point(s)"
        ),
        "{err}"
    );
    assert!(
        err.contains("workloads[1].replicas: expected a whole number"),
        "{err}"
    );
    assert!(!out.join("runs").exists());

    // A misspelt path gets the --set suggestion.
    let o = kubesim(&[
        "sweep",
        "scenarios/quickstart.yaml",
        "--vary",
        "workloads.api.replica=2,3",
        "--out",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `replicas`"),
        "{}",
        stderr(&o)
    );

    // Usage errors.
    for (args, says) in [
        (
            vec![
                "--vary",
                "workloads.api.replicas=1..1000",
                "--seeds",
                "1001",
            ],
            "1000000 runs",
        ),
        (vec!["--seeds", "0"], "at least 1"),
        (vec!["--jobs", "0"], "at least 1"),
        (vec!["--shard", "3/2"], "1 <= I <= N"),
        (vec!["--shard-count", "2"], "JOB_COMPLETION_INDEX"),
        (vec!["--baseline", "7"], "no point 7"),
        (
            vec![
                "--vary",
                "workloads.api.replicas=2,3",
                "--set",
                "workloads.api.replicas=4",
            ],
            "both --set and --vary",
        ),
        (
            vec![
                "--vary",
                "workloads.api.replicas=2,3 & workloads.web.replicas=6",
            ],
            "same number of values",
        ),
    ] {
        let mut a = vec!["sweep", "scenarios/quickstart.yaml", "--out", s(&out)];
        a.extend(args.iter().copied());
        let o = kubesim(&a);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn ranges_zips_and_durations_become_param_columns() {
    let dir = tmp();
    let out = dir.path().join("r");
    ok(&kubesim(&[
        "sweep",
        "scenarios/quickstart.yaml",
        "--vary",
        "workloads.web.replicas=6,9 & workloads.web.slo.min_ready=4,6",
        "--vary",
        "cluster.control_plane.default_toleration_seconds=30s..1m30s:30s",
        "--seeds",
        "1",
        "--quiet",
        "--out",
        s(&out),
    ]));
    let agg = std::fs::read_to_string(out.join("aggregate.csv")).unwrap();
    let rows: Vec<String> = agg
        .lines()
        .map(|l| l.split(',').take(5).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(
        rows,
        [
            "point,param_workloads.web.replicas,param_workloads.web.slo.min_ready,param_cluster.control_plane.default_toleration_seconds,runs",
            "0,6,4,30s,1",
            "1,6,4,1m,1",
            "2,6,4,1m30s,1",
            "3,9,6,30s,1",
            "4,9,6,1m,1",
            "5,9,6,1m30s,1",
        ]
    );
    // One seed: the interval has no width.
    let head: Vec<&str> = agg.lines().next().unwrap().split(',').collect();
    let ci = head
        .iter()
        .position(|c| *c == "workloads.web.slo_attainment_ci95")
        .unwrap();
    assert!(
        agg.lines()
            .skip(1)
            .all(|l| l.split(',').nth(ci) == Some("0"))
    );
}

#[test]
fn resume_redoes_only_missing_runs_and_ends_equal_to_an_uninterrupted_sweep() {
    let dir = tmp();
    let whole = dir.path().join("whole");
    ok(&sweep_into(&whole, &[]));

    // "Interrupted" state: one shard's runs, then one of them lost.
    let out = dir.path().join("resumed");
    ok(&sweep_into(&out, &["--shard", "1/2"]));
    std::fs::remove_file(out.join("runs/0-3.json")).unwrap();
    let kept: Vec<(String, Vec<u8>)> = run_files(&out)
        .into_iter()
        .map(|n| {
            let b = std::fs::read(out.join("runs").join(&n)).unwrap();
            (n, b)
        })
        .collect();
    assert_eq!(kept.len(), 3);

    let mut args: Vec<&str> = GRID.iter().copied().filter(|a| *a != "--quiet").collect();
    args.extend(["--out", s(&out)]);
    let o = kubesim(&args);
    ok(&o);
    assert!(
        stderr(&o).contains("resuming: 3 of 8 runs already done, running the other 5"),
        "{}",
        stderr(&o)
    );
    // The kept runs were not redone: their files, wall-clock time included,
    // are untouched.
    for (n, b) in &kept {
        assert_eq!(&std::fs::read(out.join("runs").join(n)).unwrap(), b, "{n}");
    }
    assert_same_sweep(&whole, &out);

    // A different sweep into the same directory is refused.
    let o = kubesim(&[
        "sweep",
        "scenarios/quickstart.yaml",
        "--vary",
        "workloads.api.replicas=2,3",
        "--seeds",
        "5",
        "--out",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("holds another sweep (--seeds 4 there vs 5 here)"),
        "{}",
        stderr(&o)
    );
}

#[cfg(unix)]
#[test]
fn sigterm_keeps_finished_runs_and_says_how_to_resume() {
    let dir = tmp();
    let out = dir.path().join("t");
    // Long enough runs that the sweep is still going when the signal comes.
    // On one job, ~100 runs of ~15 ms (debug build) leave about 1.5 s
    // between the second finished run and the natural end.
    let args = [
        "sweep",
        "scenarios/quickstart.yaml",
        "--set",
        "duration=60d",
        "--seeds",
        "100",
        "--out",
        s(&out),
    ];
    let child = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(args)
        .args(["--jobs", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let runs = out.join("runs");
    let t0 = std::time::Instant::now();
    while std::fs::read_dir(&runs).map_or(0, |d| d.count()) < 2 {
        assert!(t0.elapsed().as_secs() < 60, "no run finished");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let st = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .unwrap();
    assert!(st.success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("interrupted: ") && err.contains("run the same command again"),
        "{err}"
    );
    let done = run_files(&out).len();
    assert!((2..100).contains(&done), "{done} runs kept");
    assert!(!out.join("aggregate.csv").exists());
    assert!(
        std::fs::read_dir(&runs).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp"))
    );
    // Resuming finishes the rest (the thread count may differ).
    let mut resume = args.to_vec();
    resume.extend(["--jobs", "2"]);
    let o = kubesim(&resume);
    ok(&o);
    assert!(
        stderr(&o).contains(&format!("resuming: {done} of 100 runs already done")),
        "{}",
        stderr(&o)
    );
    assert_eq!(run_files(&out).len(), 100);
    assert!(out.join("aggregate.csv").exists());
}

/// k-out-of-n availability, where the true mean of `slo_attainment` is
/// known in closed form.
///
/// N nodes fail and are repaired independently (exponential times to
/// failure and repair, means `mttf` and `mttr`), one pod per node
/// (anti-affinity, replicas N), SLO "at least K serving". The pods start in
/// 0 s and `default_toleration_seconds` is ten years, so a pod on a dead
/// node is never evicted and moved: it stops serving the moment its node
/// dies and serves again the moment the node is repaired. The number of
/// serving pods is then exactly the number of nodes up (checked while
/// setting this test up: the time-average of up nodes from events.csv
/// equalled `mean_ready` to 1e-15), so
///
///   slo_attainment = (1/T) ∫ 1{up(t) >= K} dt.
///
/// Each node is a two-state Markov chain started up (kubesim's warm
/// start), so P(up at t) = A + (1 - A) e^{-(λ+μ) t} with λ = 1/mttf,
/// μ = 1/mttr and A = mttf / (mttf + mttr); nodes are independent (one RNG
/// stream each), so the true mean is
///
///   (1/T) ∫_0^T Σ_{i>=K} C(N,i) p(t)^i (1-p(t))^(N-i) dt,
///
/// the textbook Σ C(N,i) A^i (1-A)^(N-i) plus the warm-start transient
/// (relaxation time 1/(λ+μ) = 48 min, worth ~0.005 over T = 60 h, as much
/// as the grand mean's interval, so it is kept), integrated numerically.
///
/// Coverage: M = 200 intervals of n = 3 seeds each (seeds 1..=600, one
/// sweep, ~3 s of CPU in a debug build). With ~75 relaxation times per run
/// the per-run values are close to normal, so if the intervals are right
/// the number covering the truth is about Binomial(200, 0.95): mean 190,
/// sd 3.1. The test accepts 178..=199 (about -4 sd and +3 sd; the seeds are
/// fixed, so the outcome is deterministic: 190 when this was written, and
/// the band only has to hold a correct implementation and reject broken
/// ones): a normal quantile (1.96) instead of Student-t (4.30 at 2 degrees
/// of freedom) covers 164 of these 200; a standard deviation instead of a
/// standard error covers nearly all 200.
#[test]
fn confidence_intervals_cover_a_closed_form_truth_about_95_percent_of_the_time() {
    const N: usize = 5;
    const K: usize = 4;
    let (mttf_h, mttr_h, t_h) = (4.0f64, 1.0f64, 60.0f64);
    let dir = tmp();
    let scenario = dir.path().join("kofn.yaml");
    std::fs::write(
        &scenario,
        format!(
            "name: kofn
duration: {t_h}h
cluster:
  node_pools:
    - name: pool
      count: {N}
      cpu: 1
      memory: 1Gi
      failure: {{mttf: {mttf_h}h, mttr: {mttr_h}h}}
  control_plane:
    default_toleration_seconds: 3650d
workloads:
  - name: app
    replicas: {N}
    cpu: 100m
    memory: 64Mi
    startup_time: 0s
    anti_affinity: {{topology: hostname}}
    slo: {{min_ready: {K}}}
"
        ),
    )
    .unwrap();
    let (m, n) = (200usize, 3usize);
    let out = dir.path().join("out");
    let seeds = (m * n).to_string();
    ok(&kubesim(&[
        "sweep",
        s(&scenario),
        "--seeds",
        &seeds,
        "--quiet",
        "--out",
        s(&out),
    ]));

    // The truth, by Simpson's rule.
    let (lambda, mu) = (1.0 / mttf_h, 1.0 / mttr_h);
    let a = mttf_h / (mttf_h + mttr_h);
    let p_at = |t: f64| a + (1.0 - a) * (-(lambda + mu) * t).exp();
    let choose = |n: usize, k: usize| (0..k).fold(1.0, |c, i| c * (n - i) as f64 / (i + 1) as f64);
    let k_of_n = |p: f64| {
        (K..=N)
            .map(|i| choose(N, i) * p.powi(i as i32) * (1.0 - p).powi((N - i) as i32))
            .sum::<f64>()
    };
    let average = |f: &dyn Fn(f64) -> f64| {
        let steps = 20_000;
        let h = t_h / steps as f64;
        let mut sum = f(0.0) + f(t_h);
        for i in 1..steps {
            sum += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        sum * h / 3.0 / t_h
    };
    let truth = average(&|t| k_of_n(p_at(t)));
    let steady = k_of_n(a);
    assert!((steady - 0.73728).abs() < 1e-12);
    assert!(
        truth > steady && truth - steady < 0.005,
        "{truth} vs {steady}"
    );

    // Per-seed values from runs.csv.
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    let head: Vec<&str> = runs.lines().next().unwrap().split(',').collect();
    let col = |name: &str| head.iter().position(|c| *c == name).unwrap();
    let (slo, ready) = (
        col("workloads.app.slo_attainment"),
        col("workloads.app.mean_ready"),
    );
    let rows: Vec<Vec<f64>> = runs
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .map(|x| x.parse().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    let values: Vec<f64> = rows.iter().map(|r| r[slo]).collect();
    assert_eq!(values.len(), m * n);

    let covered = values
        .chunks(n)
        .filter(|c| {
            let st = kubesim::sweep::Stats::of(c);
            (st.mean - truth).abs() <= st.ci95
        })
        .count();
    assert!(
        (178..=199).contains(&covered),
        "{covered} of {m} intervals cover the truth {truth}"
    );

    // aggregate.csv (all 600 runs) agrees with the same computation, and
    // its much narrower interval still covers the truth: no bias.
    let agg = std::fs::read_to_string(out.join("aggregate.csv")).unwrap();
    let ahead: Vec<&str> = agg.lines().next().unwrap().split(',').collect();
    let arow: Vec<f64> = agg
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(|x| x.parse().unwrap())
        .collect();
    let acol = |name: &str| arow[ahead.iter().position(|c| *c == name).unwrap()];
    let all = kubesim::sweep::Stats::of(&values);
    assert_eq!(acol("workloads.app.slo_attainment_mean"), all.mean);
    assert_eq!(acol("workloads.app.slo_attainment_ci95"), all.ci95);
    assert!(
        (all.mean - truth).abs() <= all.ci95,
        "grand mean {} ± {} vs truth {truth}",
        all.mean,
        all.ci95
    );
    // The serving count is the up-node count: mean_ready = N * E[p].
    let ready_truth = N as f64 * average(&|t| p_at(t));
    let ready = kubesim::sweep::Stats::of(&rows.iter().map(|r| r[ready]).collect::<Vec<_>>());
    assert!(
        (ready.mean - ready_truth).abs() <= ready.ci95,
        "mean_ready {} ± {} vs {ready_truth}",
        ready.mean,
        ready.ci95
    );
}
