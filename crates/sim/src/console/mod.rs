//! The Kafka command-line tools people know, run against a simulated cluster: `kafka-topics.sh`,
//! `kafka-console-producer.sh`, `kafka-console-consumer.sh`, `kafka-consumer-groups.sh`,
//! `kafka-share-groups.sh`, `kafka-configs.sh` (group configs), `kafka-leader-election.sh` and `kafka-reassign-partitions.sh`. Output follows Kafka 4.x's formats; refusals are printed as the
//! tools print them, with Kafka's error message.

mod configs;
mod console_consumer;
mod console_producer;
mod consumer_groups;
mod delete_offsets;
mod leader_election;
mod reassign_partitions;
mod reset_offsets;
mod share_groups;
mod topics;

pub use reassign_partitions::reassignment_json;

use crate::world::World;

/// What a command line printed: its output, or the error the tool would print.
pub type ConsoleResult = Result<String, String>;

/// What `help` prints: the tools, and where a console with no machine behind it differs from
/// a shell next to a real cluster.
const HELP: &str = "\
The console runs Kafka 4's command-line tools against the simulated cluster, printing what
they print:
  kafka-topics.sh, kafka-console-producer.sh, kafka-console-consumer.sh,
  kafka-consumer-groups.sh, kafka-share-groups.sh, kafka-leader-election.sh,
  kafka-reassign-partitions.sh, kafka-configs.sh (--entity-type groups)
Where it differs from a shell next to a real cluster:
  - There is no real bootstrap server: --bootstrap-server is required where Kafka requires
    it, and any host:port reaches this cluster.
  - There are no files: --reassignment-json-file takes the file's JSON in single quotes,
    kafka-consumer-groups.sh --from-file the CSV ('orders,0,5 orders,1,7', as --export
    prints it), and records come from a pipe (echo 'k:v' | kafka-console-producer.sh ...);
    --path-to-json-file, which only names a file, is refused.
  - The cluster's clock starts at the Unix epoch: a record's CreateTime:5000 is
    1970-01-01T00:00:05.000, which --to-datetime takes; --by-duration counts back from the
    cluster's now.
  - kafka-console-consumer.sh reads a copy of the cluster for --timeout-ms of simulated
    time (5000 unless given) and returns; the cluster on screen does not move meanwhile.
";

/// Runs one command line.
pub fn run(world: &mut World, line: &str) -> ConsoleResult {
    let words = shell_words(line)?;
    // `echo 'k:v' | kafka-console-producer.sh ...`: what the left side prints is stdin.
    let (stdin, words) = match words.iter().position(|w| w == "|") {
        Some(bar) => (Some(stdin_of(&words[..bar])?), words[bar + 1..].to_vec()),
        None => (None, words),
    };
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let Some((&tool, args)) = words.split_first() else {
        return Ok(String::new());
    };
    let tool = tool.trim_start_matches("bin/").trim_end_matches(".sh");
    if tool == "help" {
        return Ok(HELP.to_owned());
    }
    let options = Options::parse(args)?;
    // kafka-topics.sh and kafka-leader-election.sh check other things first and word this
    // their own way.
    if !matches!(tool, "kafka-topics" | "kafka-leader-election") && !options.has("bootstrap-server")
    {
        return Err("Missing required argument \"[bootstrap-server]\"".to_owned());
    }
    match tool {
        "kafka-topics" => topics::topics(world, &options),
        "kafka-configs" => configs::configs(world, &options),
        "kafka-leader-election" => leader_election::leader_election(world, &options),
        "kafka-reassign-partitions" => reassign_partitions::reassign_partitions(world, &options),
        "kafka-consumer-groups" => consumer_groups::consumer_groups(world, &options),
        "kafka-share-groups" => share_groups::share_groups(world, &options),
        "kafka-console-producer" => console_producer::run(world, &options, stdin.as_deref()),
        "kafka-console-consumer" => console_consumer::run(world, &options),
        other => Err(format!(
            "{other}: not simulated; try kafka-topics.sh, kafka-console-producer.sh, \
             kafka-console-consumer.sh, kafka-consumer-groups.sh, kafka-share-groups.sh, \
             kafka-leader-election.sh, kafka-reassign-partitions.sh or kafka-configs.sh (help says what differs from a real machine)"
        )),
    }
}

/// Splits a line into words as a shell would for these tools: whitespace separates words,
/// single or double quotes keep spaces inside one.
fn shell_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.get_or_insert_with(String::new).push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                current.get_or_insert_with(String::new);
            }
            (None, c) if c.is_whitespace() => words.extend(current.take()),
            (None, '|') => {
                words.extend(current.take());
                words.push("|".to_owned());
            }
            (None, c) => current.get_or_insert_with(String::new).push(c),
        }
    }
    if quote.is_some() {
        return Err("unterminated quote".to_owned());
    }
    words.extend(current);
    Ok(words)
}

/// What `echo words...` or `printf format` writes (printf understands `\n` and `\t`).
fn stdin_of(words: &[String]) -> Result<String, String> {
    match words.split_first() {
        Some((command, rest)) if command == "echo" => Ok(format!("{}\n", rest.join(" "))),
        Some((command, rest)) if command == "printf" => {
            Ok(rest.join(" ").replace("\\n", "\n").replace("\\t", "\t"))
        }
        _ => Err("only `echo ... |` or `printf ... |` can feed a tool here".to_owned()),
    }
}

/// `--name value` pairs and `--flag`s, in order (`--config` may repeat).
pub(super) struct Options<'a> {
    pairs: Vec<(&'a str, Option<&'a str>)>,
}

impl<'a> Options<'a> {
    fn parse(args: &[&'a str]) -> Result<Self, String> {
        let mut pairs = Vec::new();
        let mut rest = args.iter().peekable();
        while let Some(arg) = rest.next() {
            let name = arg
                .strip_prefix("--")
                .ok_or_else(|| format!("Found non-option argument: {arg}"))?;
            let value = rest.next_if(|next| !next.starts_with("--")).copied();
            pairs.push((name, value));
        }
        Ok(Options { pairs })
    }

    pub(super) fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| *n == name)
    }

    pub(super) fn value(&self, name: &str) -> Option<&'a str> {
        self.pairs
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| *v)
    }

    pub(super) fn values(&self, name: &str) -> impl Iterator<Item = &'a str> + '_ {
        let name = name.to_owned();
        self.pairs
            .iter()
            .filter(move |(n, _)| *n == name)
            .filter_map(|(_, v)| *v)
    }

    pub(super) fn number(&self, name: &str) -> Result<Option<i32>, String> {
        self.value(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| format!("Invalid value {v} for option {name}"))
            })
            .transpose()
    }

    pub(super) fn required(&self, name: &str) -> Result<&'a str, String> {
        self.value(name)
            .ok_or_else(|| format!("Missing required argument \"[{name}]\""))
    }
}
