//! Consumer groups. So far: the partition assignors the group leader runs client-side.

pub mod assignor;
