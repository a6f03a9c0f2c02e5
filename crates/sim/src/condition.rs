//! Conditions on a running world that a scenario step or a lesson waits for ("partition
//! orders-0 has a leader other than 2", "group g is Stable"): read from the world's state and
//! history, never from a screen.
