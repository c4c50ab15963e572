//! Process figures read from Linux's /proc, shared by the end-to-end
//! benchmarks (`benches/batch.rs`, `benches/table.rs`).

/// CPU time this process has run, seconds (`/proc/self/schedstat`, ns; 0
/// where it is not available).
#[allow(dead_code)] // used by batch.rs, not by table.rs
pub fn cpu_time_s() -> f64 {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |ns| ns / 1e9)
}

/// `VmHWM` of this process, KiB (0 where /proc is not available).
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
