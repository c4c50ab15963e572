//! Where the rows of timeseries.csv and events.csv go while a run goes on.
//!
//! The simulation never keeps its time series or event log: after every
//! event it hands the rows that event produced to a [`RunSink`] and forgets
//! them, so its memory depends on the cluster, not on the simulated time.
//! [`Simulation::run`] collects them in memory ([`MemorySink`], for tests
//! and library users who want the rows), `kubesim run --out` streams them
//! to files (`crate::output::RunFiles`), sweeps drop them ([`Discard`]).
//! The event log itself can be limited ([`EventLog`]).

use super::result::{EventRecord, Sample};
use super::{RunResult, Simulation};

/// The columns a run's rows have, known before the first row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    /// Workload names, in scenario order (the per-workload columns of
    /// timeseries.csv).
    pub workload_names: Vec<String>,
    /// Names of the workloads with traffic, in scenario order (the traffic
    /// columns).
    pub traffic_names: Vec<String>,
    /// Job class names, in scenario order (the last columns).
    pub job_names: Vec<String>,
}

/// Receives a run's rows in time order, as they are produced.
pub trait RunSink {
    /// Called once, before any row.
    fn start(&mut self, columns: &Columns);
    /// One row of timeseries.csv.
    fn sample(&mut self, row: Sample);
    /// One row of events.csv.
    fn event(&mut self, record: EventRecord);
}

/// Keeps every row in memory.
#[derive(Clone, Debug, Default)]
pub struct MemorySink {
    /// The rows of timeseries.csv.
    pub samples: Vec<Sample>,
    /// The rows of events.csv.
    pub events: Vec<EventRecord>,
}

impl RunSink for MemorySink {
    fn start(&mut self, _: &Columns) {}
    fn sample(&mut self, row: Sample) {
        self.samples.push(row);
    }
    fn event(&mut self, record: EventRecord) {
        self.events.push(record);
    }
}

/// Keeps nothing (a sweep needs only the summary).
#[derive(Clone, Copy, Debug, Default)]
pub struct Discard;

impl RunSink for Discard {
    fn start(&mut self, _: &Columns) {}
    fn sample(&mut self, _: Sample) {}
    fn event(&mut self, _: EventRecord) {}
}

/// Which events reach events.csv (`kubesim run --event-log`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EventLog {
    /// Every event.
    #[default]
    All,
    /// None: events.csv has only its header.
    None,
    /// The first N events; the rest are counted in summary.json's
    /// `events_not_logged`.
    First(u64),
}

impl EventLog {
    /// Parses `all`, `none` or a number of events.
    pub fn parse(s: &str) -> Result<EventLog, String> {
        match s.trim() {
            "all" => Ok(EventLog::All),
            "none" => Ok(EventLog::None),
            n => n.parse::<u64>().map(EventLog::First).map_err(|_| {
                format!("expected `all`, `none` or a number of events (e.g. 100000), got `{s}`")
            }),
        }
    }

    /// Whether one more event may be logged after `logged` of them.
    pub(super) fn admits(self, logged: u64) -> bool {
        match self {
            EventLog::All => true,
            EventLog::None => false,
            EventLog::First(n) => logged < n,
        }
    }
}

impl Simulation {
    /// Limits the event log (default: every event).
    pub fn event_log(mut self, log: EventLog) -> Self {
        self.event_log = log;
        self
    }

    /// Runs to the end of the scenario, keeping every timeseries row and
    /// event record in memory (in the result's `samples` and `events`).
    pub fn run(self) -> RunResult {
        let mut sink = MemorySink::default();
        let mut result = self.run_with(&mut sink);
        result.samples = sink.samples;
        result.events = sink.events;
        result
    }

    /// The columns of this run's rows.
    pub(super) fn columns(&self) -> Columns {
        Columns {
            workload_names: self
                .scenario
                .workloads
                .iter()
                .map(|w| w.name.clone())
                .collect(),
            traffic_names: self.traffic.names().to_vec(),
            job_names: self.job_names(),
        }
    }

    /// Hands the rows produced since the last call to `sink`.
    pub(super) fn flush_rows(&mut self, sink: &mut dyn RunSink) {
        self.rows_buffered_peak = self.rows_buffered_peak.max(self.buffered_rows());
        for row in self.samples.drain(..) {
            sink.sample(row);
        }
        for record in self.log.drain(..) {
            sink.event(record);
        }
    }

    /// Rows the simulation holds that it has not handed on yet (bounded by
    /// what one event produces).
    fn buffered_rows(&self) -> usize {
        self.samples.len() + self.log.len()
    }
}
