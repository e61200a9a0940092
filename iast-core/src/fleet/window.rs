//! Pieces of values and their hashes: the sender hashes a value's aligned 8-byte pieces, the
//! receiver slides an 8-byte window over each value it records and looks the window's hash
//! up among the pieces, so that a forwarded value is found inside a longer one at any offset.

use super::wire::MAX_PIECES;
use crate::site::Upstream;
use std::collections::HashMap;
use std::sync::Arc;

/// Bytes per piece: one `u64` load per window, and the floor below which values are neither
/// sent nor matched (shorter ones are guessed too easily from a hash).
pub(crate) const PIECE: usize = 8;

/// The hash of one 8-byte piece, as the wire carries it. Fixed by this definition (the tests
/// hold vectors of it): a sender and a receiver of different versions must agree.
///
/// The piece read as a little-endian `u64`, XORed with the first 64 bits of π's fraction (so
/// that neither all zeros nor all ones hash to 0), multiplied by ⌊2⁶⁴/φ⌋ into 128 bits, and
/// the halves folded twice down to 32 bits.
pub fn piece_hash(piece: [u8; PIECE]) -> u32 {
    let n = u64::from_le_bytes(piece) ^ 0x243F_6A88_85A3_08D3;
    let product = u128::from(n) * 0x9E37_79B9_7F4A_7C15;
    let folded = product as u64 ^ (product >> 64) as u64;
    (folded >> 32) as u32 ^ folded as u32
}

/// The hashes of `value`'s aligned pieces, up to [`MAX_PIECES`]; a shorter tail than a piece
/// is left out.
pub(crate) fn pieces(value: &[u8]) -> Vec<u32> {
    value
        .chunks_exact(PIECE)
        .take(MAX_PIECES)
        .map(|c| piece_hash(c.try_into().unwrap_or_default()))
        .collect()
}

/// Bits of the filter a window's hash is tested against before the table is searched. The
/// table holds at most 64 × 32 = 2,048 pieces, so at most half the bits are set and most
/// windows of a value that is not forwarded stop at one probe.
const FILTER_BITS: usize = 4096;

/// Hits (a window whose hash some piece has) followed per request, each at most
/// [`MAX_PIECES`] steps: a crafted entry whose pieces all share one hash meets it quickly.
const MAX_HITS: usize = 4096;

/// A trusted `iast.taint` entry in one request's context, and the labels it gave.
#[derive(Default)]
pub(crate) struct Incoming {
    items: Vec<Arc<Upstream>>,
    /// Each item's piece hashes, in order.
    pieces: Vec<Vec<u32>>,
    /// (hash, item, piece index), sorted.
    table: Vec<(u32, u16, u8)>,
    filter: Vec<u64>,
    /// Source id → item, for the sources labelled so far.
    labels: HashMap<u32, u16>,
    windows: usize,
    hits: usize,
}

impl Incoming {
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Heap held, approximately: at most 64 items of at most about 1 KiB of names and
    /// 32 pieces each, and a label per source the request recorded (bounded by the
    /// context's sources).
    pub(crate) fn heap_bytes(&self) -> usize {
        let names: usize = self
            .items
            .iter()
            .map(|u| {
                size_of::<Upstream>()
                    + u.service().len()
                    + u.route().map_or(0, str::len)
                    + u.origin().len()
                    + u.name().map_or(0, str::len)
            })
            .sum();
        names
            + self.pieces.iter().map(|p| p.capacity() * 4).sum::<usize>()
            + self.table.capacity() * size_of::<(u32, u16, u8)>()
            + self.filter.capacity() * 8
            + self.labels.capacity() * (size_of::<(u32, u16)>() + 1)
    }

    pub(super) fn push(&mut self, upstream: Arc<Upstream>, pieces: Vec<u32>) {
        if self.filter.is_empty() {
            self.filter = vec![0; FILTER_BITS / 64];
        }
        let item = self.items.len() as u16;
        for (j, &h) in pieces.iter().enumerate() {
            self.table.push((h, item, j as u8));
            let bit = h as usize % FILTER_BITS;
            self.filter[bit / 64] |= 1 << (bit % 64);
        }
        self.table.sort_unstable();
        self.items.push(upstream);
        self.pieces.push(pieces);
    }

    /// The items with their pieces, as a sender would give them.
    pub(crate) fn items(&self) -> Vec<(Arc<Upstream>, Vec<u32>)> {
        self.items
            .iter()
            .cloned()
            .zip(self.pieces.iter().cloned())
            .collect()
    }

    /// The upstream origin of the values of source `id`, once one matched.
    pub(crate) fn label(&self, id: u32) -> Option<&Arc<Upstream>> {
        self.items.get(*self.labels.get(&id)? as usize)
    }

    /// Matches a value the source `id` recorded against the entry's items, and labels the
    /// source with the item that matches best: the most consecutive pieces at one offset,
    /// and at least two unless the item has only one. Linear in `value` and bounded per
    /// request by [`super::MAX_WINDOWS`] and [`MAX_HITS`].
    pub(crate) fn note(&mut self, id: u32, value: &[u8]) {
        if value.len() < PIECE || self.labels.contains_key(&id) {
            return;
        }
        let window = |i: usize| -> Option<u32> {
            Some(piece_hash(value.get(i..i + PIECE)?.try_into().ok()?))
        };
        let mut best: Option<(usize, u16)> = None;
        for i in 0..=value.len() - PIECE {
            if self.windows == super::MAX_WINDOWS || self.hits == MAX_HITS {
                break;
            }
            self.windows += 1;
            let Some(h) = window(i) else { break };
            let bit = h as usize % FILTER_BITS;
            if self.filter[bit / 64] & (1 << (bit % 64)) == 0 {
                continue;
            }
            let from = self.table.partition_point(|(t, _, _)| *t < h);
            for &(_, item, j) in self.table[from..].iter().take_while(|(t, _, _)| *t == h) {
                if self.hits == MAX_HITS {
                    break;
                }
                self.hits += 1;
                let pieces = &self.pieces[item as usize];
                // The run of pieces j, j+1, … found at their places after window i.
                let run = 1 + pieces[j as usize + 1..]
                    .iter()
                    .enumerate()
                    .take_while(|&(k, &p)| window(i + PIECE * (k + 1)) == Some(p))
                    .count();
                let enough = run >= pieces.len().min(2);
                if enough && best.is_none_or(|(r, _)| run > r) {
                    best = Some((run, item));
                }
            }
        }
        if let Some((_, item)) = best {
            self.labels.insert(id, item);
        }
    }
}
