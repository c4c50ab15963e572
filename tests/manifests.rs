//! Bring your own manifests, end to end: a scenario importing Kubernetes
//! manifests runs exactly like its hand translation, and the CLI reports
//! what it imported, warns without failing, and points errors at the
//! manifest.

use kubesim::scenario;
use kubesim::sim::{RunResult, Simulation};
use std::path::PathBuf;
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/manifests")
}

fn run(file: &str, seed: u64) -> RunResult {
    let path = fixtures().join(file);
    let sc = scenario::load_file(&path, &[]).unwrap_or_else(|e| panic!("{file}: {e}"));
    Simulation::new(sc, seed)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .check_invariants(true)
        .run()
}

/// summary.json without its wall-clock time, as the run writes it.
fn summary(r: &RunResult) -> String {
    let mut s = r.summary.clone();
    s.wall_time_s = 0.0;
    serde_json::to_string_pretty(&s).unwrap()
}

/// The shop's manifests (a web Deployment with init container, sidecar,
/// readiness probe, zone spread, anti-affinity and affinity to the api, a
/// PriorityClass; an api Deployment with required anti-affinity and the
/// default PriorityClass; two PDBs, one with set-based selectors; a
/// ConfigMap and a Service) against shop-handwritten.yaml, their
/// translation by hand: same summary, same events, same time series, for
/// several seeds (node failures, a rollout, a drain against the PDBs, a
/// zone outage and crashes all draw from the seed).
#[test]
fn imported_manifests_run_exactly_like_their_hand_translation() {
    for seed in [7, 8, 9] {
        let a = run("shop.yaml", seed);
        let b = run("shop-handwritten.yaml", seed);
        assert_eq!(summary(&a), summary(&b), "seed {seed}");
        assert_eq!(a.events_csv(), b.events_csv(), "seed {seed}");
        assert_eq!(a.timeseries_csv(), b.timeseries_csv(), "seed {seed}");
        assert!(a.summary.invariant_violations.is_empty());
        // The run exercised what the manifests carry.
        let events = String::from_utf8(a.events_csv()).unwrap();
        assert!(events.contains("drain_completed"), "seed {seed}");
        assert!(
            events.contains("container_crashed"),
            "seed {seed}: overrides.api.crash"
        );
    }
}

fn kubesim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("kubesim runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn validate_lists_what_was_imported() {
    let o = kubesim(&["validate", "tests/fixtures/manifests/shop.yaml"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("imported 2 workload(s) from 5 manifest file(s)"),
        "{out}"
    );
    assert!(
        out.contains(
            "imported web from Deployment web (tests/fixtures/manifests/shop/10-web.yaml, \
             document 1): 6 replicas, requests 500m cpu / 320Mi memory, rolling update 1 \
             surge/0 unavailable, priority 1000 (PriorityClass shop-critical), no hpa, pdb \
             min_available 5 (PodDisruptionBudget web), overrides: slo"
        ),
        "{out}"
    );
    assert!(
        out.contains("not simulated: ConfigMap web-config (tests/fixtures/manifests/shop/40-config.yaml, document 1)"),
        "{out}"
    );
    assert!(
        text(&o.stderr).is_empty(),
        "no warnings: {}",
        text(&o.stderr)
    );
}

#[test]
fn warnings_do_not_fail_and_errors_name_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let shop = fixtures().join("shop");
    std::fs::write(
        dir.path().join("scenario.yaml"),
        format!(
            "duration: 1d\ncluster:\n  zones: [a, b, c]\n  node_pools:\n    - {{name: general, count: 6, cpu: 4, memory: 16Gi, labels: {{tier: general}}}}\n    - {{name: frontend, count: 3, cpu: 4, memory: 8Gi, labels: {{tier: frontend}}}}\nmanifests: [{}, extra.yaml]\n",
            shop.display()
        ),
    )
    .unwrap();
    let scenario = dir.path().join("scenario.yaml");
    let scenario = scenario.to_str().unwrap();
    // A StatefulSet: a warning; run and validate still succeed.
    std::fs::write(
        dir.path().join("extra.yaml"),
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: shop}\nspec: {}\n",
    )
    .unwrap();
    let o = kubesim(&["validate", scenario]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("warning: ")
            && err.contains(
                "extra.yaml:2:7: document 1 (StatefulSet db): kind: StatefulSet is not simulated"
            ),
        "{err}"
    );
    let o = kubesim(&["run", scenario, "--quiet"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).is_empty(), "--quiet: {}", text(&o.stderr));
    let o = kubesim(&["run", scenario]);
    assert!(o.status.success());
    assert!(
        text(&o.stderr).contains("note: 3 manifest object(s) not simulated"),
        "{}",
        text(&o.stderr)
    );

    // An HPA naming an unknown Deployment: exit 2, at the manifest's field.
    std::fs::write(
        dir.path().join("extra.yaml"),
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: shop}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: webb}\n  maxReplicas: 9\n",
    )
    .unwrap();
    for cmd in ["validate", "run"] {
        let o = kubesim(&[cmd, scenario]);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = text(&o.stderr);
        assert!(
            err.contains("extra.yaml:5:")
                && err.contains("document 1 (HorizontalPodAutoscaler web): spec.scaleTargetRef.name: the HorizontalPodAutoscaler targets Deployment `webb`, which no manifest defines in namespace shop (did you mean `web`?)"),
            "{cmd}: {err}"
        );
    }
    // Broken YAML.
    std::fs::write(
        dir.path().join("extra.yaml"),
        "kind: ConfigMap\n---\nkind: [\n",
    )
    .unwrap();
    let o = kubesim(&["validate", scenario]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("extra.yaml:")
            && text(&o.stderr).contains("document 2: invalid YAML"),
        "{}",
        text(&o.stderr)
    );
}
