//! The whole-match trie: the positions where a whole occurrence can be first probed, refined by
//! the 4-byte windows that follow them until few share a node.
//!
//! An occurrence of an entry is checked from its first probe, which lands less than a stride
//! (at most `MAX_STRIDE`) bytes into it; so each entry is stored at its first `MAX_STRIDE`
//! offsets. Stored under their first window only, entries sharing a prefix (`value-1`,
//! `value-2`, ... all start with `valu`, `alue`, `lue-`) would make every probe of such text
//! visit all of them. Instead a node holding more than `SPLIT` positions passes them down to
//! children keyed by their next window (or, near the entry's end, by the 1 to 3 bytes left), so
//! a probe walks the argument's own windows down the trie and meets only the positions that
//! agree with them. A position whose entry ends at a node stays there; every position on the
//! path is a candidate, and all of them are verified.

use super::entries::Entries;
use super::grams::{GRAM, NIL, key};
use super::hash::MixMap;

/// Positions a node holds before it splits: enough that splitting is rare for distinct values,
/// few enough that a probe's candidates stay a handful.
const SPLIT: u32 = 16;

/// Depth (in windows) past which nodes do not split: entries that agree on their first 256
/// bytes are near duplicates, and verifying each is as cheap as refining them further.
const MAX_DEPTH: u32 = 64;

#[derive(Debug, Clone, Copy)]
struct Node {
    /// First stored link.
    head: u32,
    count: u32,
    /// Windows matched to reach this node (the root windows are depth 1).
    depth: u32,
    split: bool,
    /// Bit `n` set when a child is keyed by an `n`-byte tail.
    tails: u8,
}

/// A stored position: the entry and the offset in it of the first window.
#[derive(Debug, Clone, Copy)]
struct Link {
    entry: u32,
    offset: u32,
    next: u32,
}

#[derive(Debug, Default)]
pub(super) struct Trie {
    nodes: Vec<Node>,
    links: Vec<Link>,
    /// `(parent, symbol)` to child. A symbol is a folded window (tagged with its length, so that
    /// tails differ from full windows).
    children: MixMap<(u32, u64), u32>,
    /// Links waiting to be placed while a split node hands its links down, kept to reuse its
    /// allocation.
    pending: Vec<(u32, u32)>,
}

/// Room made on the first node and link: a request's values fit without regrowing.
const FIRST_NODES: usize = 32;
const FIRST_LINKS: usize = 64;

fn symbol(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 4];
    word[..bytes.len()].copy_from_slice(bytes);
    (u64::from(bytes.len() as u32) << 32) | u64::from(key(u32::from_le_bytes(word)))
}

impl Trie {
    /// A new root node (whose window is kept by the caller).
    pub(super) fn root(&mut self) -> Option<u32> {
        self.node(1)
    }

    /// Stores the position at `offset` of entry `id` under `root`, the node of its first window.
    pub(super) fn insert(&mut self, entries: &Entries, root: u32, id: u32, offset: u32) {
        let Ok(link) = u32::try_from(self.links.len()) else {
            return;
        };
        if link == NIL {
            return;
        }
        if self.links.capacity() == 0 {
            self.links.reserve(FIRST_LINKS);
        }
        self.links.push(Link {
            entry: id,
            offset,
            next: NIL,
        });
        // Nothing is pending unless a node splits.
        let mut pending = std::mem::take(&mut self.pending);
        self.place(entries, root, link, &mut pending);
        while let Some((node, link)) = pending.pop() {
            self.place(entries, node, link, &mut pending);
        }
        self.pending = pending;
    }

    /// Forgets every node and link, keeping the allocations.
    pub(super) fn clear(&mut self) {
        self.nodes.clear();
        self.links.clear();
        self.children.clear();
        self.pending.clear();
    }

    #[cfg(test)]
    pub(super) fn is_vacant(&self) -> bool {
        self.nodes.is_empty()
            && self.links.is_empty()
            && self.children.is_empty()
            && self.pending.is_empty()
    }

    /// Calls `visit(entry, offset)` for the positions whose windows agree with `arg` from `p`
    /// on, as far as the trie has refined them; `root` is the node of the window at `p`.
    pub(super) fn walk(&self, root: u32, arg: &[u8], p: usize, mut visit: impl FnMut(u32, u32)) {
        let mut node = root;
        loop {
            let Some(&n) = self.nodes.get(node as usize) else {
                return;
            };
            self.each(n.head, &mut visit);
            if !n.split {
                return;
            }
            if !crate::work::charge(GRAM) {
                return;
            }
            let at = p + GRAM * n.depth as usize;
            for len in 1..GRAM {
                if n.tails & (1 << len) != 0
                    && let Some(tail) = arg.get(at..at + len)
                    && let Some(&child) = self.children.get(&(node, symbol(tail)))
                    && let Some(c) = self.nodes.get(child as usize)
                {
                    self.each(c.head, &mut visit);
                }
            }
            let Some(window) = arg.get(at..at + GRAM) else {
                return;
            };
            match self.children.get(&(node, symbol(window))) {
                Some(&child) => node = child,
                None => return,
            }
        }
    }

    fn each(&self, mut link: u32, visit: &mut impl FnMut(u32, u32)) {
        while let Some(l) = self.links.get(link as usize) {
            visit(l.entry, l.offset);
            link = l.next;
        }
    }

    fn node(&mut self, depth: u32) -> Option<u32> {
        let id = u32::try_from(self.nodes.len())
            .ok()
            .filter(|&id| id != NIL)?;
        if self.nodes.capacity() == 0 {
            self.nodes.reserve(FIRST_NODES);
        }
        self.nodes.push(Node {
            head: NIL,
            count: 0,
            depth,
            split: false,
            tails: 0,
        });
        Some(id)
    }

    /// Puts `link` at `node`, or below it if `node` is split; splitting a node that overflows
    /// queues its links on `pending` rather than recursing, as chains of splits can be long.
    fn place(
        &mut self,
        entries: &Entries,
        mut node: u32,
        link: u32,
        pending: &mut Vec<(u32, u32)>,
    ) {
        let l = self.links[link as usize];
        let entry = entries.get(l.entry);
        let bytes = entries.bytes(entry);
        loop {
            let n = self.nodes[node as usize];
            if n.split {
                let at = l.offset as usize + GRAM * n.depth as usize;
                let rest = bytes.get(at..).unwrap_or_default();
                if !rest.is_empty() {
                    let window = &rest[..rest.len().min(GRAM)];
                    let sym = symbol(window);
                    let child = match self.children.get(&(node, sym)) {
                        Some(&child) => Some(child),
                        None => self.node(n.depth + 1).inspect(|&child| {
                            self.children.insert((node, sym), child);
                        }),
                    };
                    if let Some(child) = child {
                        if window.len() < GRAM {
                            self.nodes[node as usize].tails |= 1 << window.len();
                        }
                        node = child;
                        continue;
                    }
                }
            }
            let n = &mut self.nodes[node as usize];
            self.links[link as usize].next = n.head;
            n.head = link;
            n.count += 1;
            if !n.split && n.count > SPLIT && n.depth < MAX_DEPTH {
                n.split = true;
                n.count = 0;
                let mut cur = std::mem::replace(&mut n.head, NIL);
                while let Some(l) = self.links.get(cur as usize) {
                    pending.push((node, cur));
                    cur = l.next;
                }
            }
            return;
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * size_of::<Node>()
            + self.links.capacity() * size_of::<Link>()
            + self.children.capacity() * (size_of::<((u32, u64), u32)>() + 1)
            + self.pending.capacity() * size_of::<(u32, u32)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taint::grams::{GramIndex, load};
    use crate::taint::range::MatchKind;

    struct Fixture {
        entries: Entries,
        grams: GramIndex,
        trie: Trie,
    }

    impl Fixture {
        fn new(values: &[String]) -> Fixture {
            let mut f = Fixture {
                entries: Entries::default(),
                grams: GramIndex::new(99),
                trie: Trie::default(),
            };
            for (i, v) in values.iter().enumerate() {
                let id = f
                    .entries
                    .push(v.as_bytes(), i as u32, MatchKind::Exact)
                    .unwrap();
                for offset in 0..(v.len() - GRAM + 1).min(5) {
                    let gram = load(v.as_bytes(), offset);
                    let root = match f.grams.root(gram) {
                        Some(root) => root,
                        None => {
                            let root = f.trie.root().unwrap();
                            f.grams.set_root(gram, root);
                            root
                        }
                    };
                    f.trie.insert(&f.entries, root, id, offset as u32);
                }
            }
            f
        }

        fn candidates(&self, arg: &[u8], p: usize) -> Vec<(u32, u32)> {
            let mut out = Vec::new();
            if let Some(slot) = self.grams.lookup(arg, p) {
                self.trie.walk(slot.node, arg, p, |e, q| out.push((e, q)));
            }
            out.sort_unstable();
            out
        }
    }

    #[test]
    fn shared_prefixes_are_refined_away() {
        let values: Vec<String> = (0..1000).map(|i| format!("value-{i}")).collect();
        let f = Fixture::new(&values);
        let arg = b"x value-123 y";
        // The probe at the value's start meets only values agreeing with "value-12" and its tails.
        let found = f.candidates(arg, 2);
        assert!(found.contains(&(123, 0)), "{found:?}");
        assert!(found.len() <= 20, "{}", found.len());
        // From an offset into it, likewise.
        let found = f.candidates(arg, 4);
        assert!(found.contains(&(123, 2)), "{found:?}");
        assert!(found.len() <= 20, "{}", found.len());
        // "value-1" is a candidate where the text says "value-1" and then something else.
        assert!(f.candidates(b"value-1 ", 0).contains(&(1, 0)));
    }

    #[test]
    fn long_shared_prefixes_do_not_recurse() {
        let prefix = "p".repeat(4000);
        let values: Vec<String> = (0..40).map(|i| format!("{prefix}{i:02}")).collect();
        let f = Fixture::new(&values);
        let arg = format!("{prefix}17");
        assert!(f.candidates(arg.as_bytes(), 0).contains(&(17, 0)));
    }
}
