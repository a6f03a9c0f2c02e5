//! Virtual time. The simulation never reads a wall clock: time moves only when the world pops
//! the next event, so a run is a pure function of its seed and commands.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, Sub};

/// A point in virtual time, in microseconds since the world started.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SimTime(u64);

/// A span of virtual time, in microseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SimDuration(u64);

impl SimTime {
    /// The moment the world starts.
    pub const ZERO: SimTime = SimTime(0);

    /// A time `micros` microseconds after the start.
    pub const fn from_micros(micros: u64) -> Self {
        SimTime(micros)
    }

    /// A time `millis` milliseconds after the start (saturating: user input can be huge).
    pub const fn from_millis(millis: u64) -> Self {
        SimTime(millis.saturating_mul(1_000))
    }

    /// Microseconds since the start.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Whole milliseconds since the start, as Kafka's timestamps count.
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000
    }

    /// The span from `earlier` to `self`, or zero if `earlier` is later.
    pub const fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A span of `micros` microseconds.
    pub const fn from_micros(micros: u64) -> Self {
        SimDuration(micros)
    }

    /// A span of `millis` milliseconds: Kafka's configs are in milliseconds (saturating: a
    /// config or scenario may say `u64::MAX`).
    pub const fn from_millis(millis: u64) -> Self {
        SimDuration(millis.saturating_mul(1_000))
    }

    /// The span in microseconds.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// The span in whole milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(rhs.0))
    }
}

impl Sub for SimTime {
    type Output = SimDuration;
    fn sub(self, rhs: SimTime) -> SimDuration {
        self.since(rhs)
    }
}

/// Seconds with millisecond precision, the way the event log talks: `31.200 s`.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:03} s",
            self.0 / 1_000_000,
            (self.0 / 1_000) % 1_000
        )
    }
}

/// Milliseconds, the unit of Kafka's configs: `9000 ms`.
impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(1_000) {
            write!(f, "{} ms", self.0 / 1_000)
        } else {
            write!(f, "{}.{:03} ms", self.0 / 1_000, self.0 % 1_000)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_uses_kafka_units() {
        assert_eq!(SimTime::from_micros(31_200_500).to_string(), "31.200 s");
        assert_eq!(SimDuration::from_millis(9000).to_string(), "9000 ms");
        assert_eq!(SimDuration::from_micros(1_500).to_string(), "1.500 ms");
    }

    #[test]
    fn huge_millisecond_values_saturate_instead_of_panicking() {
        assert_eq!(SimDuration::from_millis(u64::MAX).as_micros(), u64::MAX);
        assert_eq!(
            SimTime::from_millis(u64::MAX) + SimDuration::from_millis(1),
            SimTime::from_micros(u64::MAX)
        );
    }

    #[test]
    fn since_never_underflows() {
        let early = SimTime::from_millis(5);
        let late = SimTime::from_millis(7);
        assert_eq!(late - early, SimDuration::from_millis(2));
        assert_eq!(early - late, SimDuration::ZERO);
    }
}
