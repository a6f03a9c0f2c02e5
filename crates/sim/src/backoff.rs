//! Kafka's clients wait longer after each failed attempt: `ExponentialBackoff` of
//! `clients/src/main/java/org/apache/kafka/common/utils/ExponentialBackoff.java`, built as
//! `CommonClientConfigs` builds it, from `retry.backoff.ms` to `retry.backoff.max.ms`, base 2,
//! jitter 0.2. The jitter comes from the world's seeded stream, and the arithmetic is integer
//! so native and wasm runs agree.

use crate::rng::SimRng;
use crate::time::SimDuration;

/// `CommonClientConfigs.RETRY_BACKOFF_EXP_BASE`.
const MULTIPLIER: u64 = 2;

/// `CommonClientConfigs.RETRY_BACKOFF_JITTER`, in millionths.
const JITTER_MILLIONTHS: u64 = 200_000;

/// The wait before the retry that follows `attempts` earlier retries: `initial * 2^attempts`
/// capped at `max`, times a factor uniform in [0.8, 1.2), capped at `max` again. When `max` is
/// not above `initial`, Kafka waits `min(initial, max)` without jitter.
pub(crate) fn backoff(
    initial: SimDuration,
    max: SimDuration,
    attempts: u32,
    rng: &mut SimRng,
) -> SimDuration {
    exponential((initial, max), attempts, JITTER_MILLIONTHS, rng)
}

/// `ExponentialBackoff` with another jitter than the clients': the broker's lifecycle manager
/// uses 0.02.
pub(crate) fn exponential(
    (initial, max): (SimDuration, SimDuration),
    attempts: u32,
    jitter_millionths: u64,
    rng: &mut SimRng,
) -> SimDuration {
    let (initial, max) = (initial.as_millis().min(max.as_millis()), max.as_millis());
    if max <= initial {
        return SimDuration::from_millis(initial);
    }
    // Below the cap, 2^attempts is exact; from the cap on, Kafka's initial * 2^expMax is max.
    let term = (0..attempts)
        .try_fold(initial, |t, _| {
            t.checked_mul(MULTIPLIER).filter(|&t| t < max)
        })
        .unwrap_or(max);
    let factor = 1_000_000 - jitter_millionths + rng.below(2 * jitter_millionths);
    let value = u128::from(term) * u128::from(factor) / 1_000_000;
    SimDuration::from_millis((value as u64).min(max))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    #[test]
    fn doubles_from_the_base_with_jitter_up_to_the_cap() {
        let mut rng = SimRng::new(7);
        for (attempts, term) in [
            (0, 100),
            (1, 200),
            (2, 400),
            (3, 800),
            (4, 1_000),
            (30, 1_000),
        ] {
            for _ in 0..200 {
                let wait = backoff(ms(100), ms(1_000), attempts, &mut rng).as_millis();
                assert!(
                    wait >= term * 8 / 10 && wait < (term * 12 / 10).max(term + 1) && wait <= 1_000,
                    "attempts {attempts}: {wait} ms"
                );
            }
        }
    }

    #[test]
    fn a_cap_not_above_the_base_waits_the_cap_without_jitter() {
        let mut rng = SimRng::new(7);
        assert_eq!(backoff(ms(100), ms(100), 5, &mut rng), ms(100));
        assert_eq!(backoff(ms(2_000), ms(1_000), 0, &mut rng), ms(1_000));
    }

    #[test]
    fn the_same_seed_waits_the_same() {
        let waits = |seed| {
            let mut rng = SimRng::new(seed);
            (0..10)
                .map(|a| backoff(ms(100), ms(1_000), a, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(waits(3), waits(3));
        assert_ne!(waits(3), waits(4), "jitter varies with the seed");
    }
}
