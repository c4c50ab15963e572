//! Fault processes beyond single nodes: correlated failure domains (zones,
//! racks, pools), network partitions, control-plane outages and spot
//! reclamation. Each stochastic source draws from its own stream, so adding
//! a workload or a pool never moves another source's failures.

use super::events::JoinPurpose;
use super::{Event, OutageCause, Simulation};
use crate::engine::{SimDuration, SimRng};
use crate::model::NodeId;
use crate::scenario::{FailureDomain, FailureProcess};

/// A set of nodes that fails together.
#[derive(Debug)]
pub(super) struct Domain {
    pub kind: DomainKind,
    pub process: FailureProcess,
    pub rng: SimRng,
    pub name: String,
}

/// Which nodes a domain holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DomainKind {
    Zone(usize),
    Rack { pool: usize, rack: u32 },
    Pool(usize),
}

impl Simulation {
    /// Builds the failure domains of the scenario and schedules their first
    /// failures.
    pub(super) fn build_domains(&mut self) {
        if let Some(p) = self.scenario.cluster.zone_failure.clone() {
            for (z, name) in self.scenario.cluster.zones.clone().into_iter().enumerate() {
                self.add_domain(DomainKind::Zone(z), p.clone(), format!("zone/{name}"));
            }
        }
        for (pi, pool) in self
            .scenario
            .cluster
            .node_pools
            .clone()
            .into_iter()
            .enumerate()
        {
            let Some(cf) = pool.correlated_failure else {
                continue;
            };
            match cf.domain {
                FailureDomain::Pool => self.add_domain(
                    DomainKind::Pool(pi),
                    cf.process,
                    format!("pool/{}", pool.name),
                ),
                FailureDomain::Rack => {
                    for r in 0..pool.racks {
                        let kind = DomainKind::Rack { pool: pi, rack: r };
                        self.add_domain(
                            kind,
                            cf.process.clone(),
                            format!("rack/{}-rack-{r}", pool.name),
                        );
                    }
                }
            }
        }
    }

    fn add_domain(&mut self, kind: DomainKind, process: FailureProcess, name: String) {
        let mut rng = self.streams.stream(&format!("domain-failure/{name}"));
        let ttf = process.mttf.sample(&mut rng);
        let id = self.domains.len() as u32;
        self.domains.push(Domain {
            kind,
            process,
            rng,
            name,
        });
        self.engine.schedule_in(ttf, Event::DomainFails(id));
    }

    fn domain_nodes(&self, kind: DomainKind) -> Vec<NodeId> {
        self.state
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| {
                !n.removed
                    && match kind {
                        DomainKind::Zone(z) => n.zone == z,
                        DomainKind::Pool(p) => n.pool == p,
                        DomainKind::Rack { pool, rack } => n.pool == pool && n.rack == rack,
                    }
            })
            .map(|(i, _)| NodeId(i as u32))
            .collect()
    }

    pub(super) fn on_domain_fails(&mut self, d: u32) {
        let dom = &mut self.domains[d as usize];
        let ttr = dom.process.mttr.sample(&mut dom.rng);
        let (kind, name) = (dom.kind, dom.name.clone());
        let nodes = self.domain_nodes(kind);
        self.log(
            "domain_failed",
            name,
            format!("{} nodes for {ttr}", nodes.len()),
        );
        let durations = vec![ttr; nodes.len()];
        self.chaos_down(nodes, durations, OutageCause::Domain);
        self.engine.schedule_in(ttr, Event::DomainRepaired(d));
    }

    pub(super) fn on_domain_repaired(&mut self, d: u32) {
        let dom = &mut self.domains[d as usize];
        let ttf = dom.process.mttf.sample(&mut dom.rng);
        self.engine.schedule_in(ttf, Event::DomainFails(d));
    }

    /// Cuts nodes off the control plane; their pods keep running.
    pub(super) fn partition(&mut self, nodes: Vec<NodeId>, durations: Vec<SimDuration>) {
        for (n, d) in nodes.into_iter().zip(durations) {
            let name = self.state.node(n).name.clone();
            self.log("node_partitioned", name, format!("for {d}"));
            self.change_node_health(n, |node| node.partitioned += 1);
            self.engine.schedule_in(d, Event::PartitionHealed(n));
        }
    }

    pub(super) fn on_partition_healed(&mut self, n: NodeId) {
        if self.state.node(n).removed {
            return;
        }
        let name = self.state.node(n).name.clone();
        self.log("partition_healed", name, String::new());
        self.change_node_health(n, |node| {
            node.partitioned = node.partitioned.saturating_sub(1)
        });
    }

    /// Controller work waits while the control plane is down.
    pub(super) fn control_plane_down(&self) -> bool {
        self.control_plane_outages > 0
    }

    pub(super) fn on_control_plane_restored(&mut self) {
        self.control_plane_outages = self.control_plane_outages.saturating_sub(1);
        if self.control_plane_down() {
            return;
        }
        let now = self.engine.now();
        self.log(
            "control_plane_restored",
            String::new(),
            format!("{} deferred actions", self.deferred.len()),
        );
        // A restarted node lifecycle controller takes "now" as the last time
        // it heard from every node, so silent nodes get a fresh grace period
        // instead of all being declared dead at once.
        for i in 0..self.state.nodes.len() {
            let n = NodeId(i as u32);
            let node = self.state.node(n);
            if !node.removed && node.ready && !node.heartbeats() && node.lifecycle_timer.is_none() {
                self.schedule_not_ready_detection(n, now);
            }
        }
        // Nodes the controller sees again are handled before evictions that
        // fell due during the outage, so a recovered node keeps its pods.
        let mut deferred = std::mem::take(&mut self.deferred);
        deferred.sort_by_key(|ev| !matches!(ev, Event::NodeReadyAgain(_)));
        for ev in deferred {
            self.engine.schedule_at(now, ev);
        }
    }

    // ---- spot -----------------------------------------------------------

    /// Starts the reclamation clock of a spot node.
    pub(super) fn arm_spot(&mut self, n: NodeId) {
        let pool = self.state.node(n).pool;
        let Some(spot) = self.scenario.cluster.node_pools[pool].spot.clone() else {
            return;
        };
        let name = self.state.node(n).name.clone();
        let mut rng = self.streams.stream(&format!("spot/{name}"));
        let ttf = spot.mttf.sample(&mut rng);
        self.engine.schedule_in(ttf, Event::SpotNotice(n));
    }

    pub(super) fn on_spot_notice(&mut self, n: NodeId) {
        if self.state.node(n).removed {
            return;
        }
        let pool = self.state.node(n).pool;
        let Some(spot) = self.scenario.cluster.node_pools[pool].spot.clone() else {
            return;
        };
        let name = self.state.node(n).name.clone();
        self.log("spot_notice", name, format!("reclaimed in {}", spot.notice));
        // A termination handler cordons and drains the node during the notice.
        self.start_drain(n, super::disruption::DrainPurpose::Spot, None);
        self.engine.schedule_in(spot.notice, Event::SpotReclaim(n));
    }

    pub(super) fn on_spot_reclaim(&mut self, n: NodeId) {
        if self.state.node(n).removed {
            return;
        }
        let (pool, zone) = (self.state.node(n).pool, self.state.node(n).zone);
        let Some(spot) = self.scenario.cluster.node_pools[pool].spot.clone() else {
            return;
        };
        let name = self.state.node(n).name.clone();
        self.log("spot_reclaimed", name, String::new());
        self.remove_node(n);
        let mut rng = self
            .streams
            .stream(&format!("spot-replace/{}", self.state.node(n).name));
        let delay = spot.replace_after.sample(&mut rng);
        self.engine.schedule_in(
            delay,
            Event::NodeJoins {
                pool: pool as u32,
                zone: zone as u32,
                purpose: JoinPurpose::SpotReplacement,
            },
        );
    }
}
