//! A scenario as what a user would run against a real Apache Kafka 4.x cluster to try the same
//! thing: a compose file, the CLI commands, client properties, records and faults.
