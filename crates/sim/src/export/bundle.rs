//! The export as one shell script that writes its files: a single download from the page, which
//! a user runs once to unpack (`sh kafka-playground.sh`), without an archive tool.

use super::quote;
use std::collections::BTreeMap;

/// The here-document delimiter, made longer until no file has it as a line.
fn delimiter(files: &BTreeMap<String, String>) -> String {
    let mut delimiter = "KAFKA_PLAYGROUND_EOF".to_owned();
    while files
        .values()
        .any(|text| text.lines().any(|line| line == delimiter))
    {
        delimiter.push('_');
    }
    delimiter
}

/// A POSIX sh script that writes `files` into directory `dir` (created) and says how to run
/// them. Here-documents are quoted, so nothing in a file is expanded; each file ends with a
/// newline (the generated ones all do).
pub fn script(files: &BTreeMap<String, String>, dir: &str) -> String {
    let end = delimiter(files);
    let dir_word = quote::sh(dir);
    let mut out = format!(
        "#!/bin/sh\n\
         # Kafka Playground: a simulated run, as files to try on a real Apache Kafka 4.x cluster.\n\
         # Running this script only writes the files below into {dir}/; then:\n\
         #   cd {dir_word} && sh run.sh\n\
         set -eu\n\
         mkdir -p {dir_word}\n"
    );
    for (name, text) in files {
        let path = quote::sh(&format!("{dir}/{name}"));
        out.push_str(&format!("\ncat > {path} <<'{end}'\n{text}"));
        if !text.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("{end}\n"));
    }
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    out.push_str(&format!(
        "\necho {}\n",
        quote::sh(&format!(
            "Wrote {dir}/: {}. Next: cd {dir} && sh run.sh (needs Docker Compose v2).",
            names.join(", ")
        ))
    ));
    out
}
