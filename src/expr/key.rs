//! Stream keys: which random stream each node draws from.
//!
//! A named node's key is derived from its name alone, so editing one named
//! input never moves another's draws (common random numbers). An unnamed
//! node's key is derived from its definition (family, parameters, the keys of
//! its arguments) and, when several distinct nodes have the same definition,
//! the order in which a walk of the outputs meets them. Rebuilding the same
//! model therefore gives the same draws in a new session or after re-running
//! a notebook cell, which process-local identities would not.

use super::{Node, Op};
use crate::stream::key_mix;
use std::collections::{HashMap, HashSet};

/// FNV-1a over bytes, then a SplitMix64 finaliser: stable across platforms and
/// Rust versions (std's hasher promises neither).
#[derive(Clone, Copy)]
struct StableHasher(u64);

impl StableHasher {
    fn new(domain: u8) -> Self {
        let mut h = StableHasher(0xcbf2_9ce4_8422_2325);
        h.bytes(&[domain]);
        h
    }
    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn u64(&mut self, x: u64) {
        self.bytes(&x.to_le_bytes());
    }
    fn f64(&mut self, x: f64) {
        self.u64(x.to_bits());
    }
    fn finish(self) -> u64 {
        key_mix(self.0)
    }
}

/// The stream key of every node met so far, by node identity (saved with
/// results, so that a restored model evaluates on the same draws).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct StreamKeys {
    keys: HashMap<u64, u64>,
    taken: HashSet<u64>,
    /// Unnamed random nodes by definition: their keys in order of occurrence.
    random_by_definition: HashMap<u64, Vec<u64>>,
    /// Named nodes: the definition each name stands for.
    named_definitions: HashMap<String, u64>,
}

impl StreamKeys {
    pub fn new() -> Self {
        Self::default()
    }

    /// Assigns keys to every node reachable from `roots`, in order; nodes that
    /// already have one keep it. Unnamed random nodes with the same definition
    /// get distinct keys by order of occurrence: they are distinct draws.
    pub fn assign(&mut self, roots: &[Node]) {
        // One walk of the whole graph: walking each root's ancestors anew
        // would be quadratic in a timeline, whose period t reads every
        // period before it. The walk meets the nodes in the order the
        // per-root walks would first meet them, so the keys are the same.
        for node in super::post_order(roots, |_| true) {
            if self.keys.contains_key(&node.id()) {
                continue;
            }
            let key = self.fresh_key(&node);
            self.insert(&node, key);
        }
    }

    /// Like [`StreamKeys::assign`], but a node rebuilt from the same
    /// definition as one already keyed (re-running a notebook cell,
    /// recompiling a scenario) takes that node's key, so an expression built
    /// anew evaluates on the same draws. Named nodes match by name and must
    /// have the same definition; unnamed random nodes match by definition and
    /// must match exactly one. New nodes get fresh keys (new draws).
    ///
    /// # Errors
    /// A node named like a keyed one but defined differently, or an unnamed
    /// random node that matches several keyed ones.
    pub fn assign_matching(&mut self, roots: &[Node]) -> crate::Result<()> {
        // One walk of the whole graph, as in `assign`.
        for node in super::post_order(roots, |_| true) {
            if self.keys.contains_key(&node.id()) {
                continue;
            }
            let key = match self.rebuilt_key(&node) {
                Rebuilt::Key(key) => key,
                Rebuilt::New => self.fresh_key(&node),
                Rebuilt::Differs(name) => {
                    return Err(crate::Error::InvalidArgument(format!(
                        "'{name}' here is not the '{name}' of the run: the same name with a different definition ({}); \
                         use the run's node, or build it exactly as before",
                        node.definition_label()
                    )))
                }
                Rebuilt::Ambiguous(count) => {
                    return Err(crate::Error::InvalidArgument(format!(
                        "'{}' matches {count} unnamed draws of the run with the same definition, so it is unclear \
                         which one it stands for; name the inputs (name=...) or use the run's own nodes",
                        node.label()
                    )))
                }
            };
            self.insert(&node, key);
        }
        Ok(())
    }

    /// What a node not yet keyed corresponds to among the keyed ones.
    fn rebuilt_key(&self, node: &Node) -> Rebuilt {
        let definition = self.definition_key(node);
        if let Some(name) = node.name() {
            return match self.named_definitions.get(name) {
                Some(&d) if d == definition => Rebuilt::Key(name_key(name)),
                Some(_) => Rebuilt::Differs(name.to_string()),
                None => Rebuilt::New,
            };
        }
        if !node.is_random() {
            // Deterministic nodes of one definition compute the same values.
            return Rebuilt::Key(definition);
        }
        match self
            .random_by_definition
            .get(&definition)
            .map(Vec::as_slice)
        {
            Some([key]) => Rebuilt::Key(*key),
            Some(keys) => Rebuilt::Ambiguous(keys.len()),
            None => Rebuilt::New,
        }
    }

    /// A key for a node met for the first time.
    fn fresh_key(&self, node: &Node) -> u64 {
        if let Some(name) = node.name() {
            return name_key(name);
        }
        let base = self.definition_key(node);
        if !node.is_random() {
            return base;
        }
        let mut key = base;
        let mut occurrence = 0u64;
        while self.taken.contains(&key) {
            occurrence += 1;
            key = key_mix(base ^ key_mix(occurrence));
        }
        key
    }

    fn insert(&mut self, node: &Node, key: u64) {
        self.keys.insert(node.id(), key);
        if let Some(name) = node.name() {
            let definition = self.definition_key(node);
            self.named_definitions
                .entry(name.to_string())
                .or_insert(definition);
            self.taken.insert(key);
        } else if node.is_random() {
            let definition = self.definition_key(node);
            let same = self.random_by_definition.entry(definition).or_default();
            if !same.contains(&key) {
                same.push(key);
            }
            self.taken.insert(key);
        }
    }

    /// The key of a node's definition (family, parameters, the keys of its
    /// arguments), ignoring its name; arguments must have keys already.
    fn definition_key(&self, node: &Node) -> u64 {
        let mut h = StableHasher::new(b'd');
        match node.op() {
            Op::Const(v) => {
                h.bytes(b"const");
                h.f64(*v);
            }
            Op::Draw(d) => {
                h.bytes(d.family().as_bytes());
                for p in d.params() {
                    h.f64(p);
                }
            }
            Op::Compound { family, .. } => h.bytes(family.name().as_bytes()),
            Op::Unary(op, _) => h.bytes(op.name().as_bytes()),
            Op::Binary(op, _, _) => h.bytes(op.name().as_bytes()),
            Op::Where { .. } => h.bytes(b"where"),
        }
        for a in node.args() {
            h.u64(self.get(a));
        }
        h.finish()
    }

    /// Gives `node` the stream `key`, replacing any it had. Sensitivity designs
    /// switch a node's randomness between two independent streams this way.
    pub fn set(&mut self, node: &Node, key: u64) {
        self.keys.insert(node.id(), key);
        self.taken.insert(key);
    }

    /// The key of an assigned node.
    pub fn get(&self, node: &Node) -> u64 {
        self.keys.get(&node.id()).copied().unwrap_or(0)
    }
}

/// How a node relates to the nodes already keyed.
enum Rebuilt {
    /// It is one of them, rebuilt: this is its key.
    Key(u64),
    /// Nothing like it was keyed.
    New,
    /// A keyed node has its name but another definition.
    Differs(String),
    /// It matches this many keyed unnamed random nodes.
    Ambiguous(usize),
}

/// The key of a named node: from its name alone, so editing one named input
/// never moves another's draws.
fn name_key(name: &str) -> u64 {
    let mut h = StableHasher::new(b'n');
    h.bytes(name.as_bytes());
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Beta;

    fn beta() -> Node {
        Node::draw(Beta::new(2.0, 8.0).unwrap().into())
    }

    #[test]
    fn rebuilt_models_get_the_same_keys() {
        let (a1, b1) = (beta(), beta());
        let (a2, b2) = (beta(), beta());
        let mut k1 = StreamKeys::new();
        k1.assign(&[a1.add(&b1)]);
        let mut k2 = StreamKeys::new();
        k2.assign(&[a2.add(&b2)]);
        assert_eq!(k1.get(&a1), k2.get(&a2));
        assert_eq!(k1.get(&b1), k2.get(&b2));
        // Two distinct nodes with one definition still draw different streams.
        assert_ne!(k1.get(&a1), k1.get(&b1));
    }

    #[test]
    fn rebuilt_nodes_match_the_keys_of_an_earlier_assignment() {
        let named = || Node::draw(Beta::new(2.0, 8.0).unwrap().into()).named("dud_rate");
        let (run, rebuilt) = (named().mul(&beta()), named().mul(&beta()));
        let mut keys = StreamKeys::new();
        keys.assign(std::slice::from_ref(&run));
        let mut matched = keys.clone();
        matched
            .assign_matching(std::slice::from_ref(&rebuilt))
            .unwrap();
        assert_eq!(matched.get(&rebuilt), keys.get(&run));
        // A node named like one of the run but defined differently is refused.
        let other = Node::draw(Beta::new(3.0, 8.0).unwrap().into()).named("dud_rate");
        let err = keys.clone().assign_matching(&[other]).unwrap_err();
        assert!(
            err.to_string().contains("not the 'dud_rate' of the run"),
            "{err}"
        );
        // An unnamed draw that could be either of two is refused.
        let mut two = StreamKeys::new();
        two.assign(&[beta().add(&beta())]);
        let err = two.assign_matching(&[beta()]).unwrap_err();
        assert!(err.to_string().contains("matches 2 unnamed draws"), "{err}");
        // A new draw gets a fresh key.
        let mut fresh = keys.clone();
        let new = Node::draw(Beta::new(5.0, 5.0).unwrap().into());
        fresh.assign_matching(std::slice::from_ref(&new)).unwrap();
        assert!(fresh.get(&new) != 0 && fresh.get(&new) != keys.get(&run));
    }

    #[test]
    fn a_named_key_depends_on_the_name_only() {
        let x = beta().named("dud_rate");
        let y = Node::draw(Beta::new(3.0, 9.0).unwrap().into()).named("dud_rate");
        let (mut k1, mut k2) = (StreamKeys::new(), StreamKeys::new());
        k1.assign(std::slice::from_ref(&x));
        k2.assign(std::slice::from_ref(&y));
        assert_eq!(k1.get(&x), k2.get(&y));
    }
}
