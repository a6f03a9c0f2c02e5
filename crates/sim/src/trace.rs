//! The trace: a fingerprint of everything the world processed, and optionally every line.
//!
//! Each processed queue entry is hashed (FNV-1a over its `Hash` encoding), so two runs can be
//! compared cheaply; recording rendered lines is opt-in because formatting costs more than
//! simulating. Line columns: `<seq> <time> <kind> <node> <detail>`.

use crate::net::NodeId;
use crate::time::SimTime;
use std::hash::{Hash, Hasher};

/// 64-bit FNV-1a as a `Hasher`: stable across platforms and Rust releases, unlike std's.
#[derive(Clone, Copy, Debug)]
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv64 {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// The world's trace.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    hasher: Fnv64,
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
