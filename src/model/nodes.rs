//! The cluster's nodes by id, with a log of which nodes were handed out for
//! mutation.
//!
//! Anything that keeps results per node across scheduling cycles (the
//! scheduler's node index, [`crate::scheduler::index`]) reads the log to
//! redo only the nodes that may have changed. Every path to a `&mut Node`
//! goes through [`NodeTable::get_mut`], `IndexMut` or
//! [`NodeTable::iter_mut`], which log the node first, so the log cannot miss
//! a change: the table derefs to `[Node]` for reading only.

use super::{Node, NodeId};
use std::ops::{Deref, Index, IndexMut};
use std::sync::atomic::{AtomicU64, Ordering};

/// The log is emptied when it reaches this many entries or twice the number
/// of nodes, whichever is more; a reader left behind then starts over and
/// reads every node. (A reader may also choose to start over when the
/// entries since its cursor outnumber the nodes: entries repeat nodes.)
const MIN_LOG_LEN: usize = 4096;

/// Hands every table (and every clone) its own identity, so a reader can
/// tell a table it did not read from.
static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

fn fresh_token() -> u64 {
    NEXT_TOKEN.fetch_add(1, Ordering::Relaxed)
}

/// Nodes by id (ids index the table; nodes are never taken out, removed ones
/// are flagged), and the log of nodes handed out mutably.
pub struct NodeTable {
    list: Vec<Node>,
    token: u64,
    /// How many entries were dropped from the front of the log so far.
    base: u64,
    log: Vec<NodeId>,
}

/// How far a reader has read the change log of one table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChangeCursor {
    token: u64,
    pos: u64,
}

impl NodeTable {
    /// An empty table.
    pub fn new() -> Self {
        NodeTable {
            list: Vec::new(),
            token: fresh_token(),
            base: 0,
            log: Vec::new(),
        }
    }

    /// Adds a node; its id is the next index.
    pub fn push(&mut self, node: Node) -> NodeId {
        let id = NodeId(self.list.len() as u32);
        self.list.push(node);
        self.mark(id);
        id
    }

    /// Takes the last node out (undoing a [`Self::push`]); logged like a
    /// mutation of its id.
    pub fn pop(&mut self) -> Option<Node> {
        let node = self.list.pop()?;
        self.mark(NodeId(self.list.len() as u32));
        Some(node)
    }

    /// A node, for mutation (logged).
    pub fn get_mut(&mut self, id: NodeId) -> &mut Node {
        self.mark(id);
        &mut self.list[id.idx()]
    }

    /// Every node, for mutation (all logged).
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Node> {
        for i in 0..self.list.len() {
            self.mark(NodeId(i as u32));
        }
        self.list.iter_mut()
    }

    /// The end of the log as it is now: [`Self::changes_since`] it returns
    /// the nodes handed out mutably from now on.
    pub fn cursor(&self) -> ChangeCursor {
        ChangeCursor {
            token: self.token,
            pos: self.base + self.log.len() as u64,
        }
    }

    /// The nodes handed out mutably since `cursor` (repeats possible), or
    /// `None` if that is no longer known: the cursor is another table's, or
    /// the log was emptied since.
    pub fn changes_since(&self, cursor: ChangeCursor) -> Option<&[NodeId]> {
        if cursor.token != self.token || cursor.pos < self.base {
            return None;
        }
        self.log.get((cursor.pos - self.base) as usize..)
    }

    fn mark(&mut self, id: NodeId) {
        // Every handout is logged, repeats included: a reader may have
        // taken its cursor between two handouts of the same node.
        if self.log.len() >= MIN_LOG_LEN.max(2 * self.list.len()) {
            self.base += self.log.len() as u64;
            self.log.clear();
        }
        self.log.push(id);
    }
}

impl std::fmt::Debug for NodeTable {
    /// The nodes, as a list: the log is bookkeeping, not state (a state
    /// restored after a what-if prints as it did before).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.list).finish()
    }
}

impl Default for NodeTable {
    fn default() -> Self {
        Self::new()
    }
}

impl Clone for NodeTable {
    /// A clone is a new table: readers of the original start over on it,
    /// since its changes are not the original's.
    fn clone(&self) -> Self {
        NodeTable {
            list: self.list.clone(),
            token: fresh_token(),
            base: 0,
            log: Vec::new(),
        }
    }
}

impl From<Vec<Node>> for NodeTable {
    fn from(list: Vec<Node>) -> Self {
        NodeTable {
            list,
            ..NodeTable::new()
        }
    }
}

impl Deref for NodeTable {
    type Target = [Node];
    fn deref(&self) -> &[Node] {
        &self.list
    }
}

impl<'a> IntoIterator for &'a NodeTable {
    type Item = &'a Node;
    type IntoIter = std::slice::Iter<'a, Node>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

impl Index<usize> for NodeTable {
    type Output = Node;
    fn index(&self, i: usize) -> &Node {
        &self.list[i]
    }
}

impl IndexMut<usize> for NodeTable {
    fn index_mut(&mut self, i: usize) -> &mut Node {
        self.get_mut(NodeId(i as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::{Bytes, MilliCpu};

    fn node(i: usize) -> Node {
        Node::new(format!("n{i}"), 0, 0, MilliCpu(1000), Bytes(1 << 30), 10)
    }

    #[test]
    fn every_mutable_path_is_logged_and_reads_are_not() {
        let mut t = NodeTable::new();
        let a = t.push(node(0));
        let b = t.push(node(1));
        let c = t.cursor();
        assert_eq!(t.changes_since(c), Some(&[][..]));
        let _ = t[a.idx()].cpu; // a read
        assert_eq!(t.len(), 2);
        t[b.idx()].unschedulable = true;
        t.get_mut(a).removed = true;
        assert_eq!(t.changes_since(c), Some(&[b, a][..]));
        // A node handed out again after a reader took its cursor is logged
        // again.
        let c = t.cursor();
        t[a.idx()].ready = false;
        assert_eq!(t.changes_since(c), Some(&[a][..]));
        let c = t.cursor();
        for n in t.iter_mut() {
            n.ready = true;
        }
        assert_eq!(t.changes_since(c), Some(&[a, b][..]));
    }

    #[test]
    fn a_clone_or_an_emptied_log_is_reported_unknown() {
        let mut t: NodeTable = vec![node(0), node(1)].into();
        let c = t.cursor();
        let copy = t.clone();
        assert_eq!(copy.changes_since(c), None, "another table");
        assert_eq!(copy[1].name, "n1");
        // The log is emptied at MIN_LOG_LEN entries.
        for _ in 0..MIN_LOG_LEN {
            t[1].ready = true;
        }
        assert_eq!(t.changes_since(c).map(<[_]>::len), Some(MIN_LOG_LEN));
        let late = t.cursor();
        t[0].ready = true;
        assert_eq!(t.changes_since(c), None, "emptied past the cursor");
        assert_eq!(t.changes_since(late), Some(&[NodeId(0)][..]));
    }
}
