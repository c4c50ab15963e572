//! `kubesim report`: the report builder on small fixtures (tests/fixtures/report).

use kubesim::report::{self, PlotFormat, ReportOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/report")
        .join(name)
}

fn kubesim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("kubesim runs")
}

fn opts(out: &Path, format: PlotFormat, metrics: &[&str]) -> ReportOptions {
    ReportOptions {
        format,
        metrics: metrics.iter().map(|m| m.to_string()).collect(),
        out: Some(out.to_path_buf()),
    }
}

/// Parses `svg` as XML: every tag closed and matched, one `svg` root.
fn assert_well_formed_svg(svg: &str, what: &str) {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(svg);
    let mut depth = 0usize;
    let mut roots = Vec::new();
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) => {
                if depth == 0 {
                    roots.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                }
                depth += 1;
            }
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Empty(e)) if depth == 0 => {
                roots.push(String::from_utf8_lossy(e.name().as_ref()).into_owned())
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!(
                "{what}: not well-formed XML at {}: {e}",
                r.buffer_position()
            ),
        }
    }
    assert_eq!(depth, 0, "{what}: unclosed elements");
    assert_eq!(roots, ["svg"], "{what}: expected one <svg> root");
}

/// The inline `<svg>...</svg>` documents of an HTML page.
fn inline_svgs(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(a) = rest.find("<svg ") {
        let b = rest[a..].find("</svg>").expect("closed svg") + a + "</svg>".len();
        out.push(&rest[a..b]);
        rest = &rest[b..];
    }
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn stems(out: &report::ReportOutput) -> Vec<String> {
    out.plots
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn run_report_has_every_plot_the_summary_and_the_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let out = report::report(&fixture("run"), &opts(tmp.path(), PlotFormat::Svg, &[])).unwrap();
    assert_eq!(out.kind, "run");
    assert_eq!(
        stems(&out),
        [
            "pods-web",
            "pods-api",
            "nodes",
            "resources",
            "requests",
            "success",
            "latency"
        ]
    );
    let html = read(&out.html);
    // Every plot is inlined, once, and parses as SVG; the files too.
    let svgs = inline_svgs(&html);
    assert_eq!(svgs.len(), out.plots.len());
    for (p, inline) in out.plots.iter().zip(&svgs) {
        let file = read(p);
        assert!(file.len() > 1000, "{} is nearly empty", p.display());
        assert_well_formed_svg(&file, &p.display().to_string());
        assert_well_formed_svg(inline, "inline svg");
        assert_eq!(file.trim_end(), inline.trim_end());
        let stem = p.file_stem().unwrap().to_string_lossy();
        assert!(html.contains(&format!("<figure id=\"plot-{stem}\">")));
    }
    // The summary: each workload's metrics, the cluster, rollouts, upgrades.
    for needle in [
        "<th class=\"num\">web</th><th class=\"num\">api</th>",
        "<td>slo_attainment</td>",
        "<td>cpu_allocation</td>",
        "<h3>rollouts</h3>",
        "<h3>upgrades</h3>",
        "seed: <b>1</b>",
        "kubesim: <b>0.1.0</b>",
    ] {
        assert!(html.contains(needle), "report.html lacks {needle}");
    }
    // The scenario as given and as resolved.
    assert!(html.contains("As given (scenario.yaml)"));
    assert!(html.contains("name: report-fixture"));
    assert!(html.contains("seed of the run: 1"));
    // Marked events: each kind of interval shows in the legends and the timeline.
    for kind in [
        "node down",
        "zone / domain outage",
        "network partition",
        "control-plane outage",
        "rollout of web",
        "node pool upgrade",
    ] {
        assert!(html.contains(kind), "no {kind} in report.html");
    }
    // Self-contained: no scripts, no external resources.
    assert!(!html.contains("<script"));
    for scheme in ["http://", "https://", "src=", "@import", "url("] {
        let outside_svg_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(
            !outside_svg_ns.contains(scheme),
            "report.html mentions {scheme}"
        );
    }
}

#[test]
fn png_plots_are_png_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = report::report(&fixture("run"), &opts(tmp.path(), PlotFormat::Png, &[])).unwrap();
    assert_eq!(out.plots.len(), 7);
    for p in &out.plots {
        let b = std::fs::read(p).unwrap();
        assert!(b.len() > 5000, "{} is nearly empty", p.display());
        assert_eq!(
            &b[..8],
            b"\x89PNG\r\n\x1a\n",
            "{}: PNG signature",
            p.display()
        );
        assert_eq!(&b[12..16], b"IHDR", "{}: first chunk", p.display());
        let w = u32::from_be_bytes(b[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(b[20..24].try_into().unwrap());
        assert_eq!(w, 960);
        assert!((400..900).contains(&h), "{}: height {h}", p.display());
    }
    // The page still inlines SVG.
    assert_eq!(inline_svgs(&read(&out.html)).len(), 7);
}

#[test]
fn reports_are_byte_identical_across_invocations() {
    for dir in ["run", "sweep-2d"] {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let oa = report::report(&fixture(dir), &opts(a.path(), PlotFormat::Svg, &[])).unwrap();
        let ob = report::report(&fixture(dir), &opts(b.path(), PlotFormat::Svg, &[])).unwrap();
        assert_eq!(read(&oa.html), read(&ob.html), "{dir}: report.html differs");
        for (x, y) in oa.plots.iter().zip(&ob.plots) {
            assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap());
        }
    }
}

#[test]
fn sweep_report_plots_each_metric_against_the_parameter_with_bands() {
    let tmp = tempfile::tempdir().unwrap();
    let out = report::report(
        &fixture("sweep-1d"),
        &opts(tmp.path(), PlotFormat::Svg, &[]),
    )
    .unwrap();
    assert_eq!(out.kind, "sweep");
    // web never misses its SLO in this sweep: constant metrics are listed,
    // not plotted.
    assert_eq!(
        stems(&out),
        [
            "workloads.api.slo_attainment-vs-default_toleration_seconds",
            "cluster.cpu_allocation-vs-default_toleration_seconds"
        ]
    );
    let html = read(&out.html);
    assert!(html.contains(
        "The same in every run, so not plotted: workloads.web.service_availability = 100%"
    ));
    assert!(html.contains("mean, 95% confidence band"));
    assert!(html.contains("individual runs"));
    assert!(html.contains("default_toleration_seconds (minutes)"));
    // The table of points: one row per point, mean ± CI.
    assert_eq!(html.matches("<tr><td class=\"num\">").count(), 4);
    assert!(html.contains("<td>5m</td>"));
    assert!(html.contains("% ± "));
    for s in inline_svgs(&html) {
        assert_well_formed_svg(s, "inline svg");
    }
}

#[test]
fn two_parameters_add_heatmaps() {
    let tmp = tempfile::tempdir().unwrap();
    let out = report::report(
        &fixture("sweep-2d"),
        &opts(tmp.path(), PlotFormat::Svg, &[]),
    )
    .unwrap();
    let s = stems(&out);
    for m in [
        "workloads.web.slo_attainment",
        "workloads.api.slo_attainment",
        "cluster.cpu_allocation",
    ] {
        assert!(s.contains(&format!("{m}-vs-replicas")), "{s:?}");
        assert!(
            s.contains(&format!("{m}-vs-default_toleration_seconds")),
            "{s:?}"
        );
        assert!(s.contains(&format!("heatmap-{m}")), "{s:?}");
    }
    let html = read(&out.html);
    assert_eq!(inline_svgs(&html).len(), s.len());
    assert!(html.contains("default_toleration_seconds=30s"));
    assert_eq!(html.matches("<tr><td class=\"num\">").count(), 6);
}

#[test]
fn metric_flag_chooses_and_zipped_parameters_share_an_axis() {
    let tmp = tempfile::tempdir().unwrap();
    let out = report::report(
        &fixture("sweep-zip"),
        &opts(
            tmp.path(),
            PlotFormat::Svg,
            &["workloads.web.mean_ready", "cluster.node_hours_mean"],
        ),
    )
    .unwrap();
    assert_eq!(
        stems(&out),
        [
            "workloads.web.mean_ready-vs-replicas___min_ready",
            "cluster.node_hours-vs-replicas___min_ready"
        ]
    );
    let html = read(&out.html);
    // Categorical axis labelled by the value pairs; baseline differences in
    // the table.
    assert!(html.contains("9 &amp; 6"));
    assert!(html.contains("workloads.web.mean_ready − baseline (paired)"));
}

#[test]
fn unknown_metric_is_refused_with_a_suggestion() {
    let tmp = tempfile::tempdir().unwrap();
    let e = report::report(
        &fixture("sweep-1d"),
        &opts(
            tmp.path(),
            PlotFormat::Svg,
            &["workloads.api.slo_atainment"],
        ),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("--metric workloads.api.slo_atainment: ")
            && e.contains("did you mean `workloads.api.slo_attainment`?"),
        "{e}"
    );
    let o = kubesim(&[
        "report",
        "tests/fixtures/report/sweep-1d",
        "--out",
        tmp.path().to_str().unwrap(),
        "--metric",
        "nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_directory_that_is_neither_says_what_was_expected() {
    let tmp = tempfile::tempdir().unwrap();
    let o = kubesim(&["report", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("neither a run directory (summary.json, timeseries.csv, events.csv) nor a sweep directory (sweep.json, runs.csv, aggregate.csv)"),
        "{err}"
    );
    // A sweep shard: no aggregate.csv yet.
    std::fs::copy(
        fixture("sweep-1d/sweep.json"),
        tmp.path().join("sweep.json"),
    )
    .unwrap();
    std::fs::copy(fixture("sweep-1d/runs.csv"), tmp.path().join("runs.csv")).unwrap();
    let e = report::report(tmp.path(), &ReportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("without aggregate.csv") && e.contains("kubesim merge"),
        "{e}"
    );
}

#[test]
fn malformed_inputs_name_the_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    for f in ["summary.json", "timeseries.csv", "events.csv"] {
        std::fs::copy(fixture("run").join(f), tmp.path().join(f)).unwrap();
    }
    let ts = read(&tmp.path().join("timeseries.csv")).replacen("0.250000", "n/a", 1);
    std::fs::write(tmp.path().join("timeseries.csv"), ts).unwrap();
    let e = report::report(tmp.path(), &ReportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with("timeseries.csv: line 2, column `cpu_allocation`: `n/a` is not a number"),
        "{e}"
    );
}

#[test]
fn user_text_is_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    for f in ["summary.json", "timeseries.csv", "events.csv"] {
        std::fs::copy(fixture("run").join(f), tmp.path().join(f)).unwrap();
    }
    std::fs::write(
        tmp.path().join("scenario.yaml"),
        "# <script>alert('x')</script> & \"quotes\"\nname: x\n",
    )
    .unwrap();
    let out = report::report(tmp.path(), &ReportOptions::default()).unwrap();
    let html = read(&out.html);
    assert!(!html.contains("<script"));
    assert!(
        html.contains("# &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;")
    );
    // Without scenario.resolved.txt the page says nothing of it.
    assert!(!html.contains("Resolved:"));
}

#[test]
fn run_with_report_writes_the_report_next_to_the_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("q");
    let o = kubesim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--out",
        dir.to_str().unwrap(),
        "--report",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "summary.json",
        "scenario.yaml",
        "scenario.resolved.txt",
        "report.html",
        "plots/pods-web.svg",
        "plots/pods-api.svg",
        "plots/nodes.svg",
        "plots/resources.svg",
    ] {
        assert!(dir.join(f).is_file(), "no {f}");
    }
    assert_eq!(
        read(&dir.join("scenario.yaml")),
        read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios/quickstart.yaml")
                .as_path()
        )
    );
    // --report needs somewhere to write.
    let o = kubesim(&["run", "--report", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
}
