//! The trace: a fingerprint of everything the world processed, and optionally every line.
//!
//! Each processed queue entry is hashed, so two runs can be compared cheaply; recording rendered
//! lines is opt-in because formatting costs more than simulating. Line columns:
//! `<seq> <time> <node> <detail>`.

use crate::net::NodeId;
use crate::time::SimTime;
use std::hash::{Hash, Hasher};

/// A word-at-a-time hasher (FxHash's mix) for the trace fingerprint. Unlike std's hasher it is
/// the same on every platform and release, and `usize` is widened to 64 bits so wasm32 and
/// native runs of one seed give one fingerprint.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TraceHasher(u64);

impl TraceHasher {
    const K: u64 = 0x517c_c1b7_2722_0a95;

    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for TraceHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            // The tail as a little-endian word with zeros above, without a variable-length
            // copy (a `memcpy` call, twice per record): a string of 8 bytes or more ends in a
            // whole word whose top bytes are the tail; a shorter one is read byte by byte.
            let word = match bytes.len().checked_sub(8) {
                Some(start) => {
                    let mut last = [0u8; 8];
                    last.copy_from_slice(&bytes[start..]);
                    u64::from_le_bytes(last) >> (8 * (8 - rest.len()))
                }
                None => rest
                    .iter()
                    .rev()
                    .fold(0u64, |word, &byte| (word << 8) | u64::from(byte)),
            };
            self.mix(word ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.mix(u64::from(n));
    }

    fn write_u16(&mut self, n: u16) {
        self.mix(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.mix(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    fn write_i16(&mut self, n: i16) {
        self.mix(n as u64);
    }

    fn write_i32(&mut self, n: i32) {
        self.mix(n as u64);
    }

    fn write_i64(&mut self, n: i64) {
        self.mix(n as u64);
    }

    fn write_isize(&mut self, n: isize) {
        self.mix(n as u64);
    }
}

/// The world's trace.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    hasher: TraceHasher,
    lines: Option<Vec<String>>,
}

impl Trace {
    /// Starts keeping rendered lines (tests, golden files); hashing is always on.
    pub fn record_lines(&mut self) {
        self.lines.get_or_insert_with(Vec::new);
    }

    /// Adds one processed entry. `detail` is only rendered when lines are recorded.
    pub(crate) fn add(
        &mut self,
        seq: u64,
        at: SimTime,
        node: NodeId,
        what: &impl Hash,
        render: impl FnOnce() -> String,
    ) {
        (seq, at, node).hash(&mut self.hasher);
        what.hash(&mut self.hasher);
        if let Some(lines) = &mut self.lines {
            lines.push(format!("{seq} {} {} {}", at.as_micros(), node.0, render()));
        }
    }

    /// The fingerprint of everything processed so far.
    pub fn hash(&self) -> u64 {
        self.hasher.finish()
    }

    /// The recorded lines, if recording was switched on.
    pub fn lines(&self) -> Option<&[String]> {
        self.lines.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(value: &impl Hash) -> u64 {
        let mut hasher = TraceHasher::default();
        value.hash(&mut hasher);
        hasher.finish()
    }

    #[test]
    fn usize_hashes_like_u64_so_targets_agree() {
        assert_eq!(hash(&7usize), hash(&7u64));
        assert_eq!(hash(&vec![1u8, 2, 3]), hash(&vec![1u8, 2, 3]));
    }

    /// The tail of a byte string is read as the little-endian word it always was, so
    /// fingerprints of saved runs stay valid.
    #[test]
    fn a_byte_tail_hashes_as_a_little_endian_word() {
        let mut expected = TraceHasher::default();
        expected.mix(u64::from_le_bytes(*b"abcdefgh"));
        expected.mix(u64::from_le_bytes([b'i', b'j', b'k', 0, 0, 0, 0, 0]) ^ (3 << 56));
        let mut hasher = TraceHasher::default();
        hasher.write(b"abcdefghijk");
        assert_eq!(hasher.finish(), expected.finish());
        let mut short = TraceHasher::default();
        short.mix(u64::from_le_bytes([b'x', b'y', b'z', 0, 0, 0, 0, 0]) ^ (3 << 56));
        let mut hasher = TraceHasher::default();
        hasher.write(b"xyz");
        assert_eq!(hasher.finish(), short.finish(), "shorter than a word");
    }

    #[test]
    fn different_values_hash_differently() {
        assert_ne!(hash(&"abc"), hash(&"abd"));
        assert_ne!(hash(&"abcdefgh1"), hash(&"abcdefgh2"));
        assert_ne!(hash(&(1u32, 2u32)), hash(&(2u32, 1u32)));
    }
}
