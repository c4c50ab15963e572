//! DefaultPreemption on hand-built clusters. Every expectation is derived in
//! a comment from the upstream rules restated in the module documentation.

use super::*;
use crate::engine::RngStreams;
use crate::model::*;
use crate::scenario::*;
use crate::scheduler::cycle::{Outcome, Scheduler};
use crate::units::{Bytes, MilliCpu};

const GI: u64 = 1 << 30;

/// Nodes of 4 cpu / 16Gi / 110 pods in one zone (so the snapshot order is
/// the creation order); one workload per priority class.
struct Fx {
    state: ClusterState,
    workloads: Vec<Workload>,
    zones: Vec<String>,
    config: SchedulerConfig,
}

impl Fx {
    fn new() -> Fx {
        Fx {
            state: ClusterState::default(),
            workloads: Vec::new(),
            zones: vec!["a".into()],
            config: ControlPlane::default().scheduler,
        }
    }

    fn node(&mut self) -> NodeId {
        let id = NodeId(self.state.nodes.len() as u32);
        self.state.nodes.push(Node::new(
            format!("n{}", id.0),
            0,
            0,
            MilliCpu(4000),
            Bytes(16 * GI),
            110,
        ));
        id
    }

    /// A workload whose pods request `cpu` millicores and 1Gi.
    fn workload(&mut self, name: &str, cpu: u64, priority: i32) -> usize {
        let w = Workload {
            priority,
            ..Workload::new(name, MilliCpu(cpu), Bytes(GI))
        };
        let d = self.state.deployments.len();
        let rs = RsId(self.state.replica_sets.len() as u32);
        let template = PodTemplate {
            cpu: w.cpu,
            memory: w.memory,
            startup_time: w.startup_time.clone(),
            crash_probability: 0.0,
        };
        self.state.replica_sets.push(ReplicaSet {
            deployment: DeploymentId(d as u32),
            revision: 1,
            template: template.clone(),
            replicas: 0,
            pods: vec![],
            desired_annotation: None,
            max_annotation: None,
            created_at: SimTime::ZERO,
            deleted: false,
        });
        self.state.deployments.push(Deployment {
            name: name.into(),
            replicas: 0,
            strategy: w.strategy,
            min_ready: w.min_ready_seconds,
            termination_grace: w.termination_grace,
            priority,
            template,
            revision: 1,
            replica_sets: vec![rs],
        });
        self.workloads.push(w);
        d
    }

    fn pod(&mut self, w: usize, node: Option<NodeId>, started_s: u64) -> PodId {
        let rs = self.state.deployments[w].replica_sets[0];
        let id = PodId(self.state.pods.len() as u32);
        let wl = &self.workloads[w];
        let mut pod = Pod::new(
            rs,
            DeploymentId(w as u32),
            wl.cpu,
            wl.memory,
            wl.priority,
            SimTime::ZERO,
            u64::from(id.0),
        );
        if let Some(n) = node {
            pod.node = Some(n);
            pod.phase = PodPhase::Ready;
            pod.started_at = Some(SimTime(started_s * 1000));
            let nd = &mut self.state.nodes[n.idx()];
            nd.requested_cpu.0 += wl.cpu.0;
            nd.requested_memory.0 += wl.memory.0;
            nd.pods.push(id);
        }
        self.state.pods.push(pod);
        self.state.replica_sets[rs.idx()].pods.push(id);
        id
    }

    fn bind(&mut self, w: usize, node: NodeId, started_s: u64) -> PodId {
        self.pod(w, Some(node), started_s)
    }

    fn pending(&mut self, w: usize) -> PodId {
        self.pod(w, None, 0)
    }

    fn scheduler(&self) -> Scheduler {
        Scheduler::new(&self.config, &self.zones, &self.workloads)
    }

    /// The failed cycle's diagnosis for `pod`.
    fn diagnose(&self, pod: PodId) -> Diagnosis {
        let mut rng = RngStreams::new(7).stream("scheduler");
        match self
            .scheduler()
            .schedule_one(&self.state, &self.workloads, pod, &mut rng)
        {
            Outcome::Unschedulable(d) => d,
            Outcome::Bind(n) => panic!("expected unschedulable, bound to {n:?}"),
        }
    }

    fn victims(&mut self, pod: PodId, node: NodeId, pdbs: &PdbBudgets) -> Option<Victims> {
        let mut sched = self.scheduler();
        let env = sched.env(&self.state, &self.workloads);
        select_victims_on_node(&env, &mut self.state, pod, node, pdbs, SimTime(0))
    }

    fn evaluate(&mut self, pod: PodId, pdbs: &PdbBudgets, offset: usize) -> Preemption {
        let diag = self.diagnose(pod);
        let mut sched = self.scheduler();
        let env = sched.env(&self.state, &self.workloads);
        evaluate(&env, &mut self.state, pod, &diag, pdbs, SimTime(0), |n| {
            assert!(offset < n);
            offset
        })
    }
}

/// (requested cpu, requested memory, pods) of a node, and the gone flags:
/// what a dry run must leave as it found it.
fn snapshot(state: &ClusterState) -> Vec<(MilliCpu, Bytes, Vec<PodId>)> {
    state
        .nodes
        .iter()
        .map(|n| (n.requested_cpu, n.requested_memory, n.pods.clone()))
        .collect()
}

#[test]
fn num_candidates_is_ten_percent_but_at_least_100_and_at_most_all() {
    // max(100, 10%), capped at the number of potential nodes.
    let got: Vec<usize> = [1, 50, 100, 999, 1000, 1500, 5000]
        .map(num_candidates)
        .to_vec();
    assert_eq!(got, [1, 50, 100, 100, 100, 150, 500]);
}

#[test]
fn minimal_victims_reprieve_the_most_important_first() {
    // Node of 4 cpu: high (prio 20), mid-a (5, started at 10 s), mid-b (5,
    // started at 20 s), low (1), 1 cpu each: full. The pod (prio 10) needs
    // 2 cpu. Potential victims: mid-a, mid-b, low (not high: priority 20 is
    // not lower). Without them 1 cpu is used: fits. Sorted by importance:
    // mid-a (earlier start), mid-b, low. Reprieve mid-a: 1 + 1 + 2 = 4 <= 4,
    // stays; mid-b: 5 > 4, victim; low: 5 > 4, victim.
    let mut fx = Fx::new();
    let n = fx.node();
    let (high, mid, low, pre) = (
        fx.workload("high", 1000, 20),
        fx.workload("mid", 1000, 5),
        fx.workload("low", 1000, 1),
        fx.workload("pre", 2000, 10),
    );
    fx.bind(high, n, 0);
    let low_pod = fx.bind(low, n, 0);
    let mid_b = fx.bind(mid, n, 20);
    let _mid_a = fx.bind(mid, n, 10);
    let pod = fx.pending(pre);
    let before = snapshot(&fx.state);
    let v = fx.victims(pod, n, &[None; 4]).expect("a candidate");
    assert_eq!(v.pods, [mid_b, low_pod]);
    assert_eq!(v.pdb_violations, 0);
    // The dry run left the state as it found it.
    assert_eq!(snapshot(&fx.state), before);
    assert!(fx.state.pods.iter().all(|p| !p.gone));
}

#[test]
fn no_candidate_without_lower_priority_pods_or_when_removing_all_is_not_enough() {
    // Node 1: one pod of equal priority: no potential victim. Node 2: 3 cpu
    // of higher priority and 1 cpu of lower: removing the lower pod leaves
    // 1 cpu free, the pod needs 2.
    let mut fx = Fx::new();
    let (n1, n2) = (fx.node(), fx.node());
    let (same, high, low) = (
        fx.workload("same", 4000, 10),
        fx.workload("high", 3000, 20),
        fx.workload("low", 1000, 0),
    );
    fx.bind(same, n1, 0);
    fx.bind(high, n2, 0);
    fx.bind(low, n2, 0);
    let pre = fx.workload("pre", 2000, 10);
    let pod = fx.pending(pre);
    assert_eq!(fx.victims(pod, n1, &[None; 4]), None);
    assert_eq!(fx.victims(pod, n2, &[None; 4]), None);
    assert_eq!(fx.evaluate(pod, &[None; 4], 0), Preemption::NoCandidates);
}

#[test]
fn pdb_violating_victims_are_reprieved_first() {
    // Node of 4 cpu: `guarded` (prio 0, 2 cpu, started at 20 s, its PDB
    // allows 0 disruptions) and `free` (prio 0, 2 cpu, started at 10 s, no
    // PDB). The pod (prio 10) needs 2 cpu: one of the two must go.
    // Importance order: free (earlier), guarded. Removing guarded would
    // take its budget to -1: it is violating, so it is reprieved first and
    // fits (2 + 2 = 4); free is then the victim: no violation. (Plain
    // importance order would have reprieved free and evicted guarded.)
    let mut fx = Fx::new();
    let n = fx.node();
    let (guarded, free, pre) = (
        fx.workload("guarded", 2000, 0),
        fx.workload("free", 2000, 0),
        fx.workload("pre", 2000, 10),
    );
    fx.bind(guarded, n, 20);
    let free_pod = fx.bind(free, n, 10);
    let pod = fx.pending(pre);
    let v = fx.victims(pod, n, &[Some(0), None, None]).unwrap();
    assert_eq!(v.pods, [free_pod]);
    assert_eq!(v.pdb_violations, 0);
}

#[test]
fn pdb_violations_are_counted_when_unavoidable() {
    // Two `guarded` pods of 2 cpu (budget 1) on a 4 cpu node; the pod needs
    // all 4. Both are victims. Split: the first in importance order (started
    // at 10 s) takes the budget to 0 (not violating), the second to -1
    // (violating). Violating first: reprieving it fails, 1 violation; then
    // the other fails too. Victims re-sorted by importance because both
    // groups were non-empty: [10 s, 20 s].
    let mut fx = Fx::new();
    let n = fx.node();
    let (guarded, pre) = (
        fx.workload("guarded", 2000, 0),
        fx.workload("pre", 4000, 10),
    );
    let late = fx.bind(guarded, n, 20);
    let early = fx.bind(guarded, n, 10);
    let pod = fx.pending(pre);
    let v = fx.victims(pod, n, &[Some(1), None]).unwrap();
    assert_eq!(v.pods, [early, late]);
    assert_eq!(v.pdb_violations, 1);
}

/// Candidates with victims given as (priority, start s) pairs.
fn candidates(fx: &mut Fx, specs: &[&[(i32, u64)]]) -> Vec<Candidate> {
    let mut out = Vec::new();
    for spec in specs {
        let n = fx.node();
        let mut pods = Vec::new();
        for &(prio, start) in *spec {
            let w = fx.workload(&format!("w{}", fx.workloads.len()), 100, prio);
            pods.push(fx.bind(w, n, start));
        }
        out.push(Candidate {
            node: n,
            victims: Victims {
                pods,
                pdb_violations: 0,
            },
        });
    }
    out
}

#[test]
fn node_choice_follows_upstreams_rules_in_order() {
    let mut fx = Fx::new();
    // 1. Fewest PDB violations beats everything after it.
    let mut c = candidates(&mut fx, &[&[(1, 0)], &[(5, 0), (5, 0)]]);
    c[0].victims.pdb_violations = 1;
    assert_eq!(pick_one_node(&fx.state, &c, SimTime(0)), 1);
    // 2. Lowest highest-victim priority: 3 < 5 although node 0 has fewer
    //    victims and a smaller sum.
    let c = candidates(&mut fx, &[&[(5, 0)], &[(3, 0), (3, 0), (3, 0)]]);
    assert_eq!(pick_one_node(&fx.state, &c, SimTime(0)), 1);
    // 3. Smallest sum, each priority shifted by 2^31: [5, 1] sums to
    //    6 + 2^32 and [5, 5] to 10 + 2^32; [5] alone would be 5 + 2^31.
    let c = candidates(&mut fx, &[&[(5, 0), (5, 0)], &[(5, 0), (1, 0)]]);
    assert_eq!(pick_one_node(&fx.state, &c, SimTime(0)), 1);
    let c = candidates(&mut fx, &[&[(5, 0), (0, 0)], &[(5, 0)]]);
    assert_eq!(pick_one_node(&fx.state, &c, SimTime(0)), 1);
    // Negative priorities: [-10, -10] sums to 2^32 - 20, [-10] to
    // 2^31 - 10: the single victim wins (without the shift -20 < -10 would
    // have picked the node with more victims).
    let c = candidates(&mut fx, &[&[(-10, 0), (-10, 0)], &[(-10, 0)]]);
    assert_eq!(pick_one_node(&fx.state, &c, SimTime(0)), 1);
    // 5. Same priorities, sums and counts: the latest start of the earliest
    //    started top-priority victim: node 0's is 30 s, node 1's 40 s.
    let c = candidates(&mut fx, &[&[(5, 30), (1, 90)], &[(5, 40), (1, 0)]]);
    assert_eq!(pick_one_node(&fx.state, &c, SimTime(0)), 1);
    let c = candidates(&mut fx, &[&[(5, 50), (5, 45)], &[(5, 40), (5, 60)]]);
    // min over node 0 = 45 > 40.
    assert_eq!(pick_one_node(&fx.state, &c, SimTime(0)), 0);
    // 6. All equal: the first.
    let c = candidates(&mut fx, &[&[(5, 7)], &[(5, 7)], &[(5, 7)]]);
    assert_eq!(pick_one_node(&fx.state, &c, SimTime(0)), 0);
}

#[test]
fn eligibility_policy_and_waiting_for_victims() {
    let mut fx = Fx::new();
    let (n0, n1) = (fx.node(), fx.node());
    let (low, pre) = (fx.workload("low", 4000, 0), fx.workload("pre", 1000, 10));
    let victim = fx.bind(low, n0, 0);
    fx.bind(low, n1, 0);
    let pod = fx.pending(pre);
    let diag = fx.diagnose(pod);
    assert_eq!(diag.resolvable, [n0, n1]);
    let w = fx.workloads[pre].clone();
    assert_eq!(eligible(&fx.state, &w, pod, &diag), Ok(()));
    // preemption_policy: never.
    let never = Workload {
        preemption_policy: PreemptionPolicy::Never,
        ..w.clone()
    };
    assert_eq!(eligible(&fx.state, &never, pod, &diag), Err(REASON_NEVER));
    // Nominated to n0 where its victim is terminating: wait.
    fx.state.nominations.set(pod, n0);
    fx.state.pods[victim.idx()].deleted_at = Some(SimTime(0));
    assert_eq!(eligible(&fx.state, &w, pod, &diag), Ok(()), "not preempted");
    fx.state.pods[victim.idx()].preempted = true;
    assert_eq!(eligible(&fx.state, &w, pod, &diag), Err(REASON_WAITING));
    // The same while n0 is UnschedulableAndUnresolvable (cordoned): eligible.
    fx.state.nodes[n0.idx()].unschedulable = true;
    let diag = fx.diagnose(pod);
    assert_eq!(diag.resolvable, [n1]);
    assert_eq!(eligible(&fx.state, &w, pod, &diag), Ok(()));
}

#[test]
fn dry_run_visits_num_candidates_nodes_from_the_offset() {
    // 250 full nodes, node i running one 4-cpu victim of priority 1000 - i.
    // The pod (priority 2000) needs 1 cpu: every node is a candidate with
    // one victim and no PDB. numCandidates = max(100, 25) = 100, so the dry
    // run stops after the first 100 nodes from the offset, and rule 2 picks
    // the lowest victim priority among them: from offset 0, nodes 0..=99,
    // best n99 (901); from offset 200, nodes 200..=249 and 0..=49, best n249
    // (751); from offset 180, nodes 180..=249 and 0..=29: n249 again.
    let mut fx = Fx::new();
    let pre = fx.workload("pre", 1000, 2000);
    for i in 0..250 {
        let n = fx.node();
        let w = fx.workload(&format!("v{i}"), 4000, 1000 - i);
        fx.bind(w, n, 0);
    }
    let pod = fx.pending(pre);
    let pdbs = vec![None; fx.workloads.len()];
    for (offset, node) in [(0, 99), (200, 249), (180, 249)] {
        match fx.evaluate(pod, &pdbs, offset) {
            Preemption::Nominate(c) => assert_eq!(c.node, NodeId(node), "offset {offset}"),
            other => panic!("offset {offset}: {other:?}"),
        }
    }
}

#[test]
fn non_violating_candidates_come_first_and_keep_the_search_going() {
    // Node 0's only victim violates its PDB, node 1's does not; node 1's
    // victim has the higher priority (5 vs 1) but rule 1 (fewest
    // violations) decides first. From offset 0 node 0 is found first; the
    // search goes on (no clean candidate yet) and finds node 1.
    let mut fx = Fx::new();
    let (n0, n1) = (fx.node(), fx.node());
    let (guarded, other, pre) = (
        fx.workload("guarded", 4000, 1),
        fx.workload("other", 4000, 5),
        fx.workload("pre", 1000, 10),
    );
    fx.bind(guarded, n0, 0);
    let v = fx.bind(other, n1, 0);
    let pod = fx.pending(pre);
    let got = fx.evaluate(pod, &[Some(0), None, None], 0);
    assert_eq!(
        got,
        Preemption::Nominate(Candidate {
            node: n1,
            victims: Victims {
                pods: vec![v],
                pdb_violations: 0
            }
        })
    );
}

#[test]
fn terminating_pods_of_lower_priority_count_as_victims() {
    // Upstream selects among all pods in the NodeInfo, terminating ones
    // included (the caller then skips their deletion).
    let mut fx = Fx::new();
    let n = fx.node();
    let (low, pre) = (fx.workload("low", 4000, 0), fx.workload("pre", 1000, 10));
    let v = fx.bind(low, n, 0);
    fx.state.pods[v.idx()].deleted_at = Some(SimTime(0));
    let pod = fx.pending(pre);
    assert_eq!(fx.victims(pod, n, &[None, None]).unwrap().pods, [v]);
}

#[test]
fn nominated_pods_hold_resources_against_lower_or_equal_priorities() {
    // n0 has 3 cpu free. A pod of priority 10 nominated there needing 2 cpu
    // holds them from pods of priority <= 10 (upstream addGENominatedPods):
    // a 2 cpu pod of priority 10 or 5 no longer fits (2 + 2 + 1 > 4), one
    // of priority 20 does, and the nominated pod itself does.
    let mut fx = Fx::new();
    let n0 = fx.node();
    let (base, ten, five, twenty) = (
        fx.workload("base", 1000, 0),
        fx.workload("ten", 2000, 10),
        fx.workload("five", 2000, 5),
        fx.workload("twenty", 2000, 20),
    );
    fx.bind(base, n0, 0);
    let nominated = fx.pending(ten);
    let (p10, p5, p20) = (fx.pending(ten), fx.pending(five), fx.pending(twenty));
    fx.state.nominations.set(nominated, n0);
    let mut sched = fx.scheduler();
    let fits =
        |s: &mut Scheduler, fx: &Fx, p| s.filter_node(&fx.state, &fx.workloads, p, n0).is_ok();
    assert!(fits(&mut sched, &fx, nominated));
    assert!(!fits(&mut sched, &fx, p10));
    assert!(!fits(&mut sched, &fx, p5));
    assert!(fits(&mut sched, &fx, p20));
    assert_eq!(
        nominated_reservation(&fx.state, n0, p5),
        Reservation {
            cpu: 2000,
            memory: GI as i64,
            pods: 1
        }
    );
    // Once bound (or deleted) it holds nothing.
    fx.state.pods[nominated.idx()].gone = true;
    assert!(fits(&mut sched, &fx, p5));
}

#[test]
fn a_nominated_pod_tries_its_node_first() {
    // Two empty nodes; the pod is nominated to n1. LeastAllocated would
    // tie and the RNG break it; evaluateNominatedNode binds to n1 without
    // scoring and leaves the start index alone.
    let mut fx = Fx::new();
    let (_n0, n1) = (fx.node(), fx.node());
    let pre = fx.workload("pre", 1000, 10);
    let pod = fx.pending(pre);
    fx.state.nominations.set(pod, n1);
    let mut sched = fx.scheduler();
    let mut rng = RngStreams::new(1).stream("scheduler");
    for _ in 0..5 {
        assert_eq!(
            sched.schedule_one(&fx.state, &fx.workloads, pod, &mut rng),
            Outcome::Bind(n1)
        );
    }
    assert_eq!(sched.next_start_node_index(), 0);
}

#[test]
fn lower_priority_nominations_on_the_node_are_listed() {
    let mut fx = Fx::new();
    let n = fx.node();
    let (a, b, pre) = (
        fx.workload("a", 100, 5),
        fx.workload("b", 100, 50),
        fx.workload("pre", 100, 10),
    );
    let (pa, pb, pod) = (fx.pending(a), fx.pending(b), fx.pending(pre));
    fx.state.nominations.set(pa, n);
    fx.state.nominations.set(pb, n);
    assert_eq!(lower_priority_nominated(&fx.state, pod, n), [pa]);
}
