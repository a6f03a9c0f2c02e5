//! A scenario as what a user would run against a real Apache Kafka 4.x cluster to try the same
//! thing: a compose file, the CLI commands, client properties, records and faults.
//!
//! [`files`] is a pure function of the scenario (no I/O), so the command line and the page
//! produce the same files. It runs the scenario once, for two facts a real cluster cannot be
//! told otherwise: where the simulation placed each topic's replicas (so "crash broker 1"
//! crashes the same leader) and which steps Kafka refused (so the script does not stop at
//! them). Everything else is a translation, step by step and in order; what a container cannot
//! cause is written as a comment that says how to approximate it by hand.

pub mod bundle;
mod clients;
mod compose;
mod faults;
mod quote;
mod script;

use crate::protocol::BrokerId;
use crate::scenario::{Scenario, ScenarioError};
use crate::sorted::Collect;
use std::collections::BTreeMap;

/// The image every container runs: the official Apache Kafka image, pinned so that a script
/// generated today starts the same cluster next year.
pub const IMAGE: &str = "apache/kafka:4.1.0";

/// The compose project, and the name of its network, fixed so that `docker network
/// disconnect` in the script can name it wherever the files are unpacked.
pub const PROJECT: &str = "kafka-playground";

/// Where the CLI tools live in the `apache/kafka` image (they are not on its `PATH`).
pub(crate) const TOOLS: &str = "/opt/kafka/bin";

/// Where the client container sees the exported files (properties and records).
pub(crate) const MOUNT: &str = "/scenario";

/// The files to run the scenario on real Kafka, by name: `compose.yaml`, `run.sh`,
/// `README.md`, and the properties and records files the script reads.
pub fn files(scenario: &Scenario) -> Result<BTreeMap<String, String>, ScenarioError> {
    let (world, results) = scenario.run()?;
    let view = world.view();
    let placements: BTreeMap<String, Vec<Vec<BrokerId>>> = view
        .topics
        .iter()
        .map(|t| {
            let replicas = t.partitions.iter().map(|p| p.replicas.clone()).collect();
            (t.name.clone(), replicas)
        })
        .collect_map();
    let refused: BTreeMap<usize, String> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.applied())
        .map(|(i, r)| (i, r.result.clone()))
        .collect_map();
    let layout = Layout::new(scenario);
    let clients = clients::Clients::new(scenario, &layout, &placements);
    let script = script::render(&script::Input {
        scenario,
        layout: &layout,
        clients: &clients,
        placements: &placements,
        refused: &refused,
    });
    let mut files = clients.files();
    files.insert(
        "compose.yaml".to_owned(),
        compose::render(scenario, &layout),
    );
    files.insert(
        "README.md".to_owned(),
        readme(scenario, &layout, &script.notes),
    );
    files.insert("run.sh".to_owned(), script.text);
    Ok(files)
}

/// Names, ids and addresses of the containers, shared by the compose file and the script.
pub(crate) struct Layout {
    /// Brokers, with the simulation's ids `1..=brokers`.
    pub brokers: u32,
    /// KRaft controllers, each in its own container.
    pub controllers: u32,
    /// Controller `n` has `node.id` `controller_base + n`, above every broker id.
    pub controller_base: u32,
}

impl Layout {
    fn new(scenario: &Scenario) -> Self {
        let brokers = scenario.cluster.brokers;
        Layout {
            brokers,
            controllers: scenario.cluster.controllers.unwrap_or(1).max(1),
            controller_base: (brokers / 100 + 1) * 100,
        }
    }

    /// The compose service (and host name) of a broker.
    pub(crate) fn broker(&self, id: BrokerId) -> String {
        format!("broker{id}")
    }

    /// The compose service of controller `n` (1-based, as the simulation counts them).
    pub(crate) fn controller(&self, n: u32) -> String {
        format!("controller{n}")
    }

    /// The port a broker listens on for the host (`localhost:PORT`), one per broker.
    pub(crate) fn host_port(&self, id: BrokerId) -> u32 {
        9091 + id
    }

    /// `bootstrap.servers` inside the compose network.
    pub(crate) fn bootstrap(&self) -> String {
        let servers: Vec<String> = (1..=self.brokers)
            .map(|id| format!("{}:19092", self.broker(id)))
            .collect();
        servers.join(",")
    }

    /// `bootstrap.servers` from the host, through the published ports.
    pub(crate) fn bootstrap_from_host(&self) -> String {
        let servers: Vec<String> = (1..=self.brokers)
            .map(|id| format!("localhost:{}", self.host_port(id)))
            .collect();
        servers.join(",")
    }

    /// `controller.quorum.voters`: `id@host:port` of every controller.
    pub(crate) fn quorum_voters(&self) -> String {
        let voters: Vec<String> = (1..=self.controllers)
            .map(|n| format!("{}@{}:9093", self.controller_base + n, self.controller(n)))
            .collect();
        voters.join(",")
    }
}

fn readme(scenario: &Scenario, layout: &Layout, notes: &[String]) -> String {
    let mut out = format!(
        "# This scenario on a real Apache Kafka cluster

Generated by `kafka-sim export` from a Kafka Playground scenario (seed {seed}). The files set up
a KRaft cluster of the same shape with the official `{IMAGE}` image and replay the scenario's
steps against it with Kafka's own command-line tools.

| file | what it is |
| --- | --- |
| `compose.yaml` | {brokers} broker(s) (`broker1`... with `node.id` 1..{brokers}, as in the simulation), {controllers} KRaft controller(s) (`controller1`... with `node.id` {first_controller}...), and `client`, an idle container where every tool runs |
| `run.sh` | starts the cluster, creates the topics, sends the records, runs the consumers and causes the faults, in the scenario's order |
| `producer-*.properties`, `consumer-*.properties` | each client's configs, by Kafka's names |
| `records-PRODUCER-TOPIC.txt` | what each producer sends to each topic, in `kafka-console-producer.sh` input format (`key:value` when keyed) |

## Run it

You need Docker with Compose v2. In this directory:

```sh
sh run.sh             # consumers write what they read to consumer-*.out
docker compose down -v  # when you are done
```

Inside the compose network the brokers are `{bootstrap}`; from the host they are
`{bootstrap_from_host}`.

## What differs from the simulation

- **Timing is approximate.** The script keeps the scenario's order and sleeps whole seconds
  between steps, but each Kafka tool takes a few seconds to start, so steps a few
  milliseconds apart in the simulation happen seconds apart here.
- **Randomness differs.** The simulation's seed does not reach real Kafka: elections, client
  timing and which broker answers first can differ. Topics are created with the replica
  placement the simulation chose, so the same brokers lead.
- **The console tools are not the simulated applications.** `kafka-console-producer.sh` sends
  lines as it reads them, and `kafka-console-consumer.sh` prints records and commits only with
  `enable.auto.commit`; the playground's `app.*` settings are listed as comments in the
  consumer properties.
- **A network cut is per container.** `docker network disconnect` cuts a node from everyone,
  not one link.
- **Nothing here has been run by the generator.** The files are checked for content and shell
  syntax only; the cluster, the timing and the outcome are for you to observe.
",
        seed = scenario.seed,
        brokers = layout.brokers,
        controllers = layout.controllers,
        first_controller = layout.controller_base + 1,
        bootstrap = layout.bootstrap(),
        bootstrap_from_host = layout.bootstrap_from_host(),
    );
    if !notes.is_empty() {
        out.push_str(
            "\n## Steps the script cannot cause\n\nEach is a comment in `run.sh`, with a way to \
             approximate it by hand.\n\n",
        );
        for note in notes {
            out.push_str(&format!("- {note}\n"));
        }
    }
    out
}
