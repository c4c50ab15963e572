//! The performance table of the README, in one command:
//!
//! ```text
//! cargo bench --bench table
//! ```
//!
//! 1. engine: events/s of the hold model at 10^3 and 10^6 pending events,
//!    next to a bare `BinaryHeap` with entries of the same size measured in
//!    the same run, and their ratio;
//! 2. scheduler: one scheduling cycle at 100, 1,000 and 10,000 nodes
//!    (default profile, adaptive percentageOfNodesToScore), for a service
//!    pod (every plugin runs on every visited node) and for a Job pod (the
//!    node index decides; one node changes between cycles);
//! 3. end to end, each in its own process so that its peak RSS is its own:
//!    wall time of `Simulation::run` (loading excluded), model events per
//!    second and peak RSS (`VmHWM`, Linux).
//!
//! Timings are the median of several repetitions (end-to-end runs: of 3).
//! The batch cases are `benches/scenarios/bench-batch-*.yaml` (see also
//! `cargo bench --bench batch`, which adds per-pod figures); the service
//! cluster is generated here. The generated scenarios are written to `target/bench-scenarios/` so they
//! can be rerun with `kubesim run`. `-- --quick` runs every end-to-end case
//! once and skips nothing else.

#[path = "common/hold.rs"]
mod hold;
#[path = "common/proc.rs"]
mod proc;
#[path = "common/sched.rs"]
mod sched;

use kubesim::scenario;
use kubesim::sim::Simulation;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// An end-to-end case: a name, what it is, and its scenario text.
struct Case {
    name: &'static str,
    what: &'static str,
    yaml: fn() -> String,
}

/// A benchmark scenario file of the repository.
fn file(rel: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "batch-1k",
            what: "(a) ~100,000 one-pod Jobs (Poisson 12.5/s, exponential runs of mean 300 s) \
                   on 1,000 nodes, 8,000 simulated seconds",
            yaml: || file("benches/scenarios/bench-batch-1k.yaml"),
        },
        Case {
            name: "batch-10k",
            what: "(b) the same on 10,000 nodes",
            yaml: || file("benches/scenarios/bench-batch-10k.yaml"),
        },
        Case {
            name: "service-1k",
            what: "(c) service cluster: 1,000 nodes in 3 zones, 100 deployments x 50 replicas, \
               node failures (mttf 30d, mttr 1h), every deployment rolled out daily, \
               20 with diurnal traffic and HPA, 7 days",
            yaml: service_cluster,
        },
    ]
}

/// (c): 1,000 nodes of 16 cpu in 3 zones; 100 deployments of 50 x 250m
/// (about 8% of the cpu requested), the first 20 with diurnal traffic and an
/// HPA (20..100 replicas); a rollout of each deployment once a day, spread
/// over the day.
fn service_cluster() -> String {
    let mut y = String::from(
        "name: bench-service\nduration: 7d\nsample_interval: 5m\n\
         cluster:\n  zones: [a, b, c]\n  node_pools:\n    - name: general\n      count: 1000\n\
         \x20     cpu: 16\n      memory: 64Gi\n      failure: {mttf: 30d, mttr: 1h}\nworkloads:\n",
    );
    for i in 0..100 {
        let _ = writeln!(
            y,
            "  - name: d{i:03}\n    replicas: 50\n    cpu: 250m\n    memory: 512Mi\n    startup_time: 10s"
        );
        if i < 20 {
            y.push_str(
                "    traffic: {rate: 5000, pattern: {diurnal: {amplitude: 0.5}}, \
                 capacity_per_pod: 400, cpu_per_request: 1m}\n    \
                 hpa: {min: 20, max: 100, target_cpu_utilization: 60%}\n",
            );
        }
    }
    y.push_str("events:\n");
    for day in 0..7 {
        for i in 0..100 {
            let minute = (i * 13) % 1440;
            let _ = writeln!(
                y,
                "  - {{at: {day}d{minute}m, rollout: {{workload: d{i:03}}}}}"
            );
        }
    }
    y
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Child mode: runs one case and prints `wall_s events peak_rss_kb`.
fn run_case(name: &str) {
    let case = cases()
        .into_iter()
        .find(|c| c.name == name)
        .expect("known case");
    let sc = scenario::load_str(&(case.yaml)(), case.name, &[]).expect("valid scenario");
    let seed = sc.seed;
    let sim = Simulation::new(sc, seed).expect("runs");
    let t = Instant::now();
    let r = sim.run();
    let wall = t.elapsed().as_secs_f64();
    println!("{wall} {} {}", r.summary.events, proc::peak_rss_kib());
}

fn engine_rows(out: &mut Vec<[String; 3]>) {
    const HOLDS: usize = 1_000_000;
    for pending in [1_000usize, 1_000_000] {
        let inc = hold::increments(pending + HOLDS);
        let (mut te, mut tb) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            let mut e = hold::engine_with(&inc[..pending]);
            let t = Instant::now();
            hold::engine_holds(&mut e, &inc[pending..]);
            te.push(t.elapsed().as_secs_f64());
            let (mut h, mut seq) = hold::bare_with(&inc[..pending]);
            let t = Instant::now();
            hold::bare_holds(&mut h, &mut seq, &inc[pending..]);
            tb.push(t.elapsed().as_secs_f64());
        }
        let (e, b) = (median(te), median(tb));
        let rate = |s: f64| HOLDS as f64 / s / 1e6;
        out.push([
            format!(
                "engine, 10^{} pending events",
                (pending as f64).log10() as u32
            ),
            format!("{:.1} M events/s", rate(e)),
            format!("bare BinaryHeap {:.1} M/s; ratio {:.2}x", rate(b), e / b),
        ]);
    }
}

fn scheduler_rows(out: &mut Vec<[String; 3]>) {
    for job in [false, true] {
        for nodes in [100usize, 1_000, 10_000] {
            let mut c = if job {
                sched::job_cluster(nodes)
            } else {
                sched::cluster(nodes, false)
            };
            let (mut s, mut rng) = sched::scheduler(&c, 0);
            let mut times = Vec::new();
            for _ in 0..7 {
                let n = 2_000;
                let t = Instant::now();
                for _ in 0..n {
                    std::hint::black_box(sched::cycle_touching_the_choice(
                        &mut s, &mut c, &mut rng,
                    ));
                }
                times.push(t.elapsed().as_secs_f64() / f64::from(n));
            }
            let (what, note) = if job {
                ("Job pod", "node index, one node changed per cycle")
            } else {
                (
                    "service pod",
                    "default profile, adaptive percentageOfNodesToScore",
                )
            };
            out.push([
                format!("scheduling cycle, {what}, {nodes} nodes"),
                format!("{:.1} µs", median(times) * 1e6),
                note.to_string(),
            ]);
        }
    }
}

fn e2e_rows(out: &mut Vec<[String; 3]>, reps: usize) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-scenarios");
    let _ = std::fs::create_dir_all(&dir);
    let exe = std::env::current_exe().expect("own path");
    for case in cases() {
        let _ = std::fs::write(dir.join(format!("{}.yaml", case.name)), (case.yaml)());
        let mut runs = Vec::new();
        for _ in 0..reps {
            let o = Command::new(&exe)
                .args(["--case", case.name])
                .output()
                .expect("child runs");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let text = String::from_utf8_lossy(&o.stdout);
            let f: Vec<f64> = text
                .split_whitespace()
                .map(|x| x.parse().expect("number"))
                .collect();
            runs.push((f[0], f[1], f[2]));
        }
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (wall, events, rss) = runs[runs.len() / 2];
        out.push([
            case.name.to_string(),
            format!("{wall:.2} s, {:.2} M events/s", events / wall / 1e6),
            format!(
                "{:.2} M events, peak RSS {:.0} MB; {}",
                events / 1e6,
                rss / 1024.0,
                case.what
            ),
        ]);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--case") {
        run_case(&args[i + 1]);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let mut rows = Vec::new();
    engine_rows(&mut rows);
    scheduler_rows(&mut rows);
    e2e_rows(&mut rows, if quick { 1 } else { 3 });
    println!("| benchmark | result | notes |\n|---|---|---|");
    for [a, b, c] in rows {
        println!("| {a} | {b} | {c} |");
    }
}
