//! The scheduler benchmark's cluster, shared by `benches/scheduler.rs` and
//! `benches/table.rs`: 3 zones, 8-cpu / 32Gi nodes each running 0 to 14
//! pods of 500m / 1Gi (7 on average, so about 44% of cpu requested and some
//! nodes too full for the pod), from 100 workloads.

use kubesim::engine::{RngStreams, SimTime};
use kubesim::model::*;
use kubesim::scenario::*;
use kubesim::scheduler::cycle::{Outcome, Scheduler};
use kubesim::units::{Bytes, MilliCpu};

const GI: u64 = 1 << 30;
const WORKLOADS: usize = 100;

fn workload(i: usize) -> Workload {
    Workload::new(&format!("w{i}"), MilliCpu(500), Bytes(GI))
}

/// A filled cluster and one pending pod.
pub struct Cluster {
    pub state: ClusterState,
    pub workloads: Vec<Workload>,
    pub zones: Vec<String>,
    pub pod: PodId,
}

/// A cluster of `nodes` nodes, filled pseudo-randomly (fixed LCG), and one
/// pending pod of workload 0.
pub fn cluster(nodes: usize, constrained: bool) -> Cluster {
    let zones: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    let mut workloads: Vec<Workload> = (0..WORKLOADS).map(workload).collect();
    if constrained {
        workloads[0].spread = vec![SpreadConstraint {
            topology: Topology::Zone,
            max_skew: 1000,
            do_not_schedule: true,
            min_domains: None,
        }];
        workloads[0].affinity.pod_anti_affinity = vec![PodAffinityTerm {
            workload: 0,
            topology: Topology::Hostname,
            weight: Some(50),
        }];
        // Keeps workload 0 off the nodes running a w1 pod (symmetry).
        workloads[1].affinity.pod_anti_affinity = vec![PodAffinityTerm {
            workload: 0,
            topology: Topology::Hostname,
            weight: None,
        }];
    }
    let mut state = ClusterState::default();
    for (i, w) in workloads.iter().enumerate() {
        let template = PodTemplate {
            cpu: w.cpu,
            memory: w.memory,
            startup_time: w.startup_time.clone(),
            crash_probability: 0.0,
        };
        state.replica_sets.push(ReplicaSet {
            deployment: DeploymentId(i as u32),
            revision: 1,
            template: template.clone(),
            replicas: 0,
            pods: vec![],
            desired_annotation: None,
            max_annotation: None,
            created_at: SimTime::ZERO,
            deleted: false,
        });
        state.deployments.push(Deployment {
            name: w.name.clone(),
            replicas: 0,
            strategy: w.strategy,
            min_ready: w.min_ready_seconds,
            termination_grace: w.termination_grace,
            priority: 0,
            template,
            revision: 1,
            replica_sets: vec![RsId(i as u32)],
        });
    }
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |m: u64| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) % m
    };
    for i in 0..nodes {
        let mut node = Node::new(
            format!("node-{i}"),
            0,
            i % zones.len(),
            MilliCpu(8000),
            Bytes(32 * GI),
            110,
        );
        for _ in 0..next(15) {
            let w = next(WORKLOADS as u64) as usize;
            let id = PodId(state.pods.len() as u32);
            state.pods.push(pod(w, Some(NodeId(i as u32))));
            state.replica_sets[w].pods.push(id);
            node.requested_cpu.0 += 500;
            node.requested_memory.0 += GI;
            node.pods.push(id);
        }
        state.nodes.push(node);
    }
    let pending = PodId(state.pods.len() as u32);
    state.pods.push(pod(0, None));
    state.replica_sets[0].pods.push(pending);
    Cluster {
        state,
        workloads,
        zones,
        pod: pending,
    }
}

/// [`cluster`] with workload 0 a Job: its pending pod is one the node index
/// serves (no spreading of its own, none by default).
pub fn job_cluster(nodes: usize) -> Cluster {
    let mut c = cluster(nodes, false);
    c.workloads[0].job = true;
    c
}

/// One cycle for `c.pod`; the chosen node is then handed out mutably, as a
/// bind would, so a node index redoes that node in the next cycle.
pub fn cycle_touching_the_choice(
    s: &mut Scheduler,
    c: &mut Cluster,
    rng: &mut kubesim::engine::SimRng,
) -> Outcome {
    let out = s.schedule_one(&c.state, &c.workloads, c.pod, rng);
    if let Outcome::Bind(n) = out {
        std::hint::black_box(&mut c.state.nodes[n.idx()]);
    }
    out
}

fn pod(w: usize, node: Option<NodeId>) -> Pod {
    let mut p = Pod::new(
        RsId(w as u32),
        DeploymentId(w as u32),
        MilliCpu(500),
        Bytes(GI),
        0,
        SimTime::ZERO,
        0,
    );
    p.node = node;
    if node.is_some() {
        p.phase = PodPhase::Ready;
    }
    p
}

/// A scheduler over `c` with the given percentageOfNodesToScore (0:
/// adaptive), after one cycle that must bind.
pub fn scheduler(c: &Cluster, percentage: u32) -> (Scheduler, kubesim::engine::SimRng) {
    let config = SchedulerConfig {
        score: ScoreStrategy::LeastAllocated,
        percentage_of_nodes_to_score: percentage,
    };
    let mut sched = Scheduler::new(&config, &c.zones, &c.workloads);
    let mut rng = RngStreams::new(1).stream("scheduler");
    assert!(matches!(
        sched.schedule_one(&c.state, &c.workloads, c.pod, &mut rng),
        Outcome::Bind(_)
    ));
    (sched, rng)
}
