//! Golden outputs: fixed scenarios whose outputs are pinned byte for byte in
//! `tests/fixtures/golden/`: `summary.json` without its wall time, and the
//! length and FNV-1a digest of `timeseries.csv` and `events.csv`.
//!
//! Performance work must leave them unchanged (issue 8: "a golden summary of
//! a fixed scenario is byte-identical before and after"). The pinned files
//! were written by the build of commit c1bfc00, before the scheduler
//! optimisations (score memo, batched filters, node layout, cheaper reclaim
//! pass). A change of the
//! model that is meant to change outputs re-pins them with
//! `KUBESIM_BLESS=1 cargo test --test golden`; its commit says why.
//!
//! Outputs hold floats printed in full, so the pins assume the same
//! platform (x86_64 Linux, as CI) for `ln`, `exp` and friends; elsewhere
//! the tests are ignored. The version number is left out of the comparison
//! with the wall time, so a release does not re-pin.
//!
//! To check that the pins predate the optimisations: `git checkout c1bfc00
//! -- src && cargo test --test golden` (then `git checkout HEAD -- src`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// FNV-1a, 64 bits: a digest that needs no crate.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `summary.json` without the lines that measure the machine or name the
/// build.
fn summary_without_wall_time(out: &Path) -> String {
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    text.lines()
        .filter(|l| {
            let l = l.trim_start();
            !l.starts_with("\"wall_time_s\"") && !l.starts_with("\"kubesim_version\"")
        })
        .fold(String::new(), |mut s, l| {
            s.push_str(l);
            s.push('\n');
            s
        })
}

fn digests(out: &Path) -> String {
    let mut s = String::new();
    for file in ["timeseries.csv", "events.csv"] {
        let bytes = std::fs::read(out.join(file)).expect(file);
        writeln!(
            s,
            "{file} {} bytes fnv1a64 {:016x}",
            bytes.len(),
            fnv1a(&bytes)
        )
        .unwrap();
    }
    s
}

/// Runs `scenario` with the CLI and compares its outputs with the pins
/// named `name`.
fn check(name: &str, scenario: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .current_dir(root())
        .args(["run", scenario, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "kubesim run {scenario}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let got_summary = summary_without_wall_time(&out);
    let got_digests = digests(&out);
    let pins = root().join("tests/fixtures/golden");
    let summary_pin = pins.join(format!("{name}.summary.json"));
    let digest_pin = pins.join(format!("{name}.digest"));
    if std::env::var("KUBESIM_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&summary_pin, &got_summary).unwrap();
        std::fs::write(&digest_pin, &got_digests).unwrap();
        return;
    }
    let want_summary = std::fs::read_to_string(&summary_pin).expect("pinned summary");
    if got_summary != want_summary {
        let (got, want): (Vec<_>, Vec<_>) = (
            got_summary.lines().collect(),
            want_summary.lines().collect(),
        );
        let line = (0..got.len().max(want.len()))
            .find(|&i| got.get(i) != want.get(i))
            .unwrap_or(0);
        let first = (line + 1, got.get(line), want.get(line));
        panic!(
            "{name}: summary.json differs from {} (first difference, line, got, pinned: {first:?}). \
             If the change is meant to change outputs, re-pin with \
             KUBESIM_BLESS=1 cargo test --test golden and say why in the commit",
            summary_pin.display()
        );
    }
    let want_digests = std::fs::read_to_string(&digest_pin).expect("pinned digests");
    assert_eq!(
        got_digests,
        want_digests,
        "{name}: timeseries.csv or events.csv differ from {}; compare \
         `kubesim run {scenario} --out DIR` before and after the change",
        digest_pin.display()
    );
}

#[test]
#[cfg_attr(not(all(target_os = "linux", target_arch = "x86_64")), ignore)]
fn quickstart_outputs_are_pinned() {
    check("quickstart", "scenarios/quickstart.yaml");
}

#[test]
#[cfg_attr(not(all(target_os = "linux", target_arch = "x86_64")), ignore)]
fn batch_jobs_outputs_are_pinned() {
    check("batch-jobs", "scenarios/batch-jobs.yaml");
}

#[test]
#[cfg_attr(not(all(target_os = "linux", target_arch = "x86_64")), ignore)]
fn zone_outage_with_spread_outputs_are_pinned() {
    check(
        "ha-zone-outage-spread",
        "scenarios/ha-zone-outage-spread.yaml",
    );
}

#[test]
#[cfg_attr(not(all(target_os = "linux", target_arch = "x86_64")), ignore)]
fn scheduler_mix_outputs_are_pinned() {
    check("scheduler-mix", "tests/fixtures/golden/scheduler-mix.yaml");
}

/// More than 100 nodes: cycles sample the adaptive share of the nodes from
/// the rotating start index, over several batches.
#[test]
#[cfg_attr(not(all(target_os = "linux", target_arch = "x86_64")), ignore)]
fn sampled_batch_outputs_are_pinned() {
    check("batch-sampled", "tests/fixtures/golden/batch-sampled.yaml");
}

#[test]
fn the_digest_is_fnv1a() {
    // Published FNV-1a 64 values.
    assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
}
