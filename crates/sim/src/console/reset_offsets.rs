//! `kafka-consumer-groups.sh --reset-offsets`, as Kafka 4.0's
//! `tools/.../consumer/group/ConsumerGroupCommand.java` does it (`resetOffsets`,
//! `getPartitionsToReset`, `prepareOffsetsToReset`, `checkOffsetsRange`, `parseResetPlan`,
//! `printOffsetsToReset`, `exportOffsetsToCsv`): the group must be inactive; every scenario
//! is planned from the partitions' leaders and clamped to the log's range; `--execute` writes
//! the plan through the coordinator, anything else only prints it.
//!
//! The cluster's clock starts at the Unix epoch, so a record's CreateTime of 5000 is
//! `1970-01-01T00:00:05.000`, which is what `--to-datetime` takes; `--by-duration` counts back
//! from the cluster's now. The console has no files: `--from-file` takes the CSV itself.

use super::{ConsoleResult, Options};
use crate::command::{Command, CommandError, ResetTarget};
use crate::group::GroupState;
use crate::group::assignor::java_hash_map_indices;
use crate::group::java_hash_code;
use crate::protocol::TopicPartition;
use crate::world::World;
use std::collections::BTreeMap;

/// The reset scenarios, in the order `ConsumerGroupCommandOptions` declares them.
pub(super) const SCENARIOS: [&str; 8] = [
    "to-offset",
    "shift-by",
    "to-datetime",
    "by-duration",
    "to-earliest",
    "to-latest",
    "to-current",
    "from-file",
];

/// What `run` prints for an exception it catches (`printError`).
fn failed(message: &str) -> String {
    format!("Error: Executing consumer group command failed due to {message}")
}

pub(super) fn reset(world: &mut World, options: &Options<'_>) -> ConsoleResult {
    // describeConsumerGroups answers a HashMap: each group once, handled in its order (the
    // errors, warnings and --execute writes happen in that order too).
    let mut groups = super::consumer_groups::selected(world, options);
    let mut seen = std::collections::BTreeSet::new();
    groups.retain(|g| seen.insert(g.clone()));
    let hashes: Vec<i32> = groups.iter().map(|g| java_hash_code(g)).collect();
    let groups: Vec<String> = java_hash_map_indices(&hashes)
        .into_iter()
        .map(|i| groups[i].clone())
        .collect();
    let to = scenario(world, options)?;
    // What the tool prints before the table: printError's lines and getLogTimestampOffsets'
    // warnings, in the order the groups are handled.
    let mut printed = String::new();
    let mut results: Vec<(String, Vec<(TopicPartition, u64)>)> = Vec::new();
    for group in groups {
        // resetOffsets: only an Empty (or Dead: unknown) group's offsets may be reset; for any
        // other the tool prints an error, keeps an empty plan and goes on with the next group.
        if let Some((_, found)) = world.groups().into_iter().find(|(_, g)| g.id == group)
            && found.state != GroupState::Empty
        {
            printed.push_str(&format!(
                "\nError: Assignments can only be reset if the group '{group}' is inactive, but the current state is {}.\n",
                found.state.kafka_name(),
            ));
            results.push((group, Vec::new()));
            continue;
        }
        let plan = reset_group(world, options, &group, &to, &mut printed)
            .map_err(|e| format!("{printed}{e}"))?;
        results.push((group, plan));
    }
    // Each plan is a HashMap of partitions: printed in its iteration order.
    let ordered: Vec<(String, Vec<(TopicPartition, u64)>)> = results
        .into_iter()
        .map(|(group, plan)| {
            let hashes: Vec<i32> = plan.iter().map(|(tp, _)| partition_hash_code(tp)).collect();
            let plan = java_hash_map_indices(&hashes)
                .into_iter()
                .map(|j| plan[j].clone())
                .collect();
            (group, plan)
        })
        .collect();
    if options.has("export") {
        // exportOffsetsToCsv: without the group column only for exactly one --group.
        let one_group = options.values("group").count() == 1;
        let csv: String = ordered
            .iter()
            .flat_map(|(group, plan)| {
                plan.iter().map(move |(tp, offset)| match one_group {
                    true => format!("{},{},{offset}\n", tp.topic, tp.partition),
                    false => format!("{group},{},{},{offset}\n", tp.topic, tp.partition),
                })
            })
            .collect();
        return Ok(format!("{printed}{csv}\n"));
    }
    Ok(format!("{printed}{}", table(&ordered)))
}

/// `TopicPartition.hashCode`.
fn partition_hash_code(tp: &TopicPartition) -> i32 {
    31i32
        .wrapping_add(tp.partition as i32)
        .wrapping_mul(31)
        .wrapping_add(java_hash_code(&tp.topic))
}

/// One inactive group's plan (`getPartitionsToReset` and `prepareOffsetsToReset`), written
/// through the coordinator with `--execute`.
fn reset_group(
    world: &mut World,
    options: &Options<'_>,
    group: &str,
    to: &Target,
    printed: &mut String,
) -> Result<Vec<(TopicPartition, u64)>, String> {
    let scope = scope(world, options, group)?;
    let mut commands = Vec::new();
    let mut plan = Vec::new();
    match to {
        Target::FromFile(csv) => {
            let Some(offsets) = csv.get(group) else {
                // printError, then Exit.exit(1).
                return Err(format!("Error: No reset plan for group {group} found"));
            };
            for (tp, offset) in offsets {
                let target = ResetTarget::Offset(*offset);
                plan.extend(planned(world, group, &tp.topic, &[tp.partition], target)?);
                commands.push((tp.topic.to_string(), vec![tp.partition], target));
            }
        }
        Target::Reset(target) => {
            for (topic, partitions) in scope {
                let rows = planned(world, group, &topic, &partitions, *target)?;
                if let ResetTarget::Timestamp(ms) = target {
                    // getLogTimestampOffsets prints this to stdout for each empty answer.
                    for (tp, _) in &rows {
                        if world.offset_for_timestamp(tp, *ms).is_none() {
                            printed.push_str(&format!(
                                "\nWarn: Partition {} from topic {} is empty. Falling back to latest known offset.\n",
                                tp.partition, tp.topic
                            ));
                        }
                    }
                }
                plan.extend(rows);
                commands.push((topic, partitions, *target));
            }
        }
    }
    if options.has("execute") && !options.has("dry-run") {
        for (topic, partitions, to) in commands {
            let command = Command::ResetOffsets {
                group: group.to_owned(),
                topic,
                partitions,
                to,
            };
            world.apply(command).map_err(message)?;
        }
    }
    Ok(plan)
}

/// The scenario, parsed as `prepareOffsetsToReset` reads its option.
enum Target {
    Reset(ResetTarget),
    /// `--from-file`: offsets per group.
    FromFile(BTreeMap<String, Vec<(TopicPartition, u64)>>),
}

fn scenario(world: &World, options: &Options<'_>) -> Result<Target, String> {
    let number = |name: &str| -> Result<Option<i64>, String> {
        options
            .value(name)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| format!("Invalid value {v} for option {name}"))
            })
            .transpose()
    };
    let target = if let Some(offset) = number("to-offset")? {
        // checkOffsetsRange moves an offset below the log start up to it.
        ResetTarget::Offset(u64::try_from(offset).unwrap_or(0))
    } else if options.has("to-earliest") {
        ResetTarget::Earliest
    } else if options.has("to-latest") {
        ResetTarget::Latest
    } else if let Some(by) = number("shift-by")? {
        ResetTarget::ShiftBy(by)
    } else if let Some(datetime) = options.value("to-datetime") {
        ResetTarget::Timestamp(date_time(datetime).map_err(|e| failed(&e))?)
    } else if let Some(duration) = options.value("by-duration") {
        let back =
            duration_ms(duration).ok_or_else(|| failed("Text cannot be parsed to a Duration"))?;
        let now = world.now().as_millis() as i64;
        ResetTarget::Timestamp(now.saturating_sub(back))
    } else if options.has("from-file") {
        return reset_plan_csv(options);
    } else if options.has("to-current") {
        ResetTarget::Current
    } else {
        let all: Vec<String> = SCENARIOS.iter().map(|s| format!("[{s}]")).collect();
        return Err(format!(
            "Option '[reset-offsets]' requires one of the following scenarios: [{}]",
            all.join(", ")
        ));
    };
    Ok(Target::Reset(target))
}

/// `getPartitionsToReset`: `--all-topics` (what the group has committed), `--topic` (repeatable,
/// `topic` or `topic:0,2`), or nothing with `--from-file`.
fn scope(
    world: &World,
    options: &Options<'_>,
    group: &str,
) -> Result<Vec<(String, Vec<u32>)>, String> {
    if options.has("all-topics") {
        let mut by_topic: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        if let Some((_, found)) = world.groups().into_iter().find(|(_, g)| g.id == group) {
            for tp in found.offsets.keys() {
                by_topic
                    .entry(tp.topic.to_string())
                    .or_default()
                    .push(tp.partition);
            }
        }
        return Ok(by_topic.into_iter().collect());
    }
    let topics: Vec<&str> = options.values("topic").collect();
    if topics.is_empty() {
        if options.has("from-file") {
            return Ok(Vec::new());
        }
        return Err("One of the reset scopes should be defined: --all-topics, --topic.".to_owned());
    }
    let mut scope = Vec::new();
    for arg in topics {
        let (topic, partitions) = topic_partitions(arg)?;
        if !world.metadata().topics.contains_key(topic) {
            // describeTopics' failure, wrapped by resetOffsets.
            return Err(failed(
                "java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.",
            ));
        }
        scope.push((topic.to_owned(), partitions));
    }
    Ok(scope)
}

/// `parseTopicsWithPartitions`: `orders` (every partition) or `orders:0,2`.
pub(super) fn topic_partitions(arg: &str) -> Result<(&str, Vec<u32>), String> {
    let Some((topic, list)) = arg.split_once(':') else {
        return Ok((arg, Vec::new()));
    };
    if list.contains(':') {
        return Err(format!(
            "Invalid topic arg '{arg}', expected topic name and partitions"
        ));
    }
    let partitions = list
        .split(',')
        .map(|p| {
            p.parse()
                .map_err(|_| format!("Invalid partition '{p}' specified in topic arg '{arg}''"))
        })
        .collect::<Result<Vec<u32>, String>>()?;
    Ok((topic, partitions))
}

/// One topic's plan, with Kafka's texts for what the admin client refuses.
fn planned(
    world: &World,
    group: &str,
    topic: &str,
    partitions: &[u32],
    to: ResetTarget,
) -> Result<Vec<(TopicPartition, u64)>, String> {
    match world.reset_plan(group, topic, partitions, to) {
        Ok((_, plan)) => Ok(plan),
        // IllegalArgumentException: printUsageAndExit prints just its message.
        Err(CommandError::InvalidArgument(text)) => Err(text),
        Err(CommandError::Kafka(e))
            if e.code == crate::error::ErrorCode::UnknownTopicOrPartition =>
        {
            Err(failed(&e.message))
        }
        Err(other) => Err(message(other)),
    }
}

/// `printOffsetsToReset` (Kafka 4.0's fixed widths): the header only when some group was
/// handled, then every group's rows.
fn table(results: &[(String, Vec<(TopicPartition, u64)>)]) -> String {
    let row = |group: &str, topic: &str, partition: &str, offset: &str| {
        format!("\n{group:<30} {topic:<30} {partition:<10} {offset:<15}")
    };
    let mut out = String::new();
    if !results.is_empty() {
        out.push_str(&row("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"));
    }
    for (group, plan) in results {
        for (tp, offset) in plan {
            let (partition, offset) = (tp.partition.to_string(), offset.to_string());
            out.push_str(&row(group, &tp.topic, &partition, &offset));
        }
    }
    out.push('\n');
    out
}

/// `printError`'s line for a failed request: Kafka's text after `Error: `.
pub(super) fn message(error: CommandError) -> String {
    match error {
        CommandError::Kafka(e) => format!("Error: {}", e.message),
        other => format!("Error: {other}"),
    }
}

/// `--from-file`'s CSV, given inline: lines of `topic,partition,offset` (for one `--group`)
/// or `group,topic,partition,offset`, separated by newlines, `\n` or spaces (a topic name has
/// no spaces). A value without a comma is a path, which the console cannot read.
fn reset_plan_csv(options: &Options<'_>) -> Result<Target, String> {
    let text = options.value("from-file").unwrap_or_default();
    if !text.contains(',') {
        return Err(format!(
            "--from-file {text}: the console has no files; give the CSV itself in quotes, e.g. \
             --from-file 'orders,0,5 orders,1,7' (lines topic,partition,offset, or \
             group,topic,partition,offset, separated by spaces or \\n), as --export prints it"
        ));
    }
    let normalized = text.replace("\\n", "\n");
    let lines: Vec<&str> = normalized.split_whitespace().collect();
    let one_group = options.values("group").count() == 1;
    let without_group = lines.first().is_some_and(|l| csv_fields(l, 3).is_some());
    let mut plan: BTreeMap<String, Vec<(TopicPartition, u64)>> = BTreeMap::new();
    for line in lines {
        let (group, fields) = match (one_group && without_group, csv_fields(line, 3)) {
            (true, Some(fields)) => (options.value("group").unwrap_or_default(), fields),
            (true, None) => return Err(csv_error(line, "topic,partition,offset")),
            (false, _) => match csv_fields(line, 4) {
                Some(mut fields) => (fields.remove(0), fields),
                None => return Err(csv_error(line, "group,topic,partition,offset")),
            },
        };
        let (Ok(partition), Ok(offset)) = (fields[1].parse::<u32>(), fields[2].parse::<i64>())
        else {
            return Err(csv_error(line, "topic,partition,offset"));
        };
        plan.entry(group.to_owned()).or_default().push((
            TopicPartition::new(fields[0], partition),
            u64::try_from(offset).unwrap_or(0),
        ));
    }
    Ok(Target::FromFile(plan))
}

fn csv_fields(line: &str, count: usize) -> Option<Vec<&str>> {
    let fields: Vec<&str> = line.split(',').collect();
    let numeric = |s: &str| s.parse::<i64>().is_ok();
    (fields.len() == count && numeric(fields[count - 2]) && numeric(fields[count - 1]))
        .then_some(fields)
}

fn csv_error(line: &str, expected: &str) -> String {
    failed(&format!(
        "the reset plan's line '{line}' is not CSV of {expected}"
    ))
}

/// `Utils.getDateTime`: `yyyy-MM-dd'T'HH:mm:ss.SSS` with an optional zone (`Z`, `+02:00`,
/// `+0200`, `+02`; UTC when none), parsed strictly; milliseconds since the epoch, or
/// `ParseException`'s text.
fn date_time(text: &str) -> Result<i64, String> {
    let Some((date, time)) = text.split_once('T') else {
        return Err("java.text.ParseException: Error parsing timestamp. It does not contain a 'T' according to ISO8601 format".to_owned());
    };
    let time = match time.contains(['+', '-', 'Z']) {
        true => time.to_owned(),
        false => format!("{time}Z"),
    };
    let unparseable = || format!("java.text.ParseException: Unparseable date: \"{date}T{time}\"");
    let zone_at = time.find(['+', '-', 'Z']).unwrap_or(time.len());
    let (clock, zone) = time.split_at(zone_at);
    let number = |s: &str, digits: usize| -> Option<i64> {
        (s.len() == digits && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let parsed = (|| {
        let mut d = date.split('-');
        let (year, month, day) = (
            number(d.next()?, 4)?,
            number(d.next()?, 2)?,
            number(d.next()?, 2)?,
        );
        let (hms, millis) = clock.split_once('.')?;
        let mut t = hms.split(':');
        let (hour, minute, second) = (
            number(t.next()?, 2)?,
            number(t.next()?, 2)?,
            number(t.next()?, 2)?,
        );
        let millis: i64 = (!millis.is_empty() && millis.len() <= 3)
            .then(|| millis.parse().ok())
            .flatten()?;
        let month_days = [
            31,
            28 + i64::from(leap(year)),
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        let valid = d.next().is_none()
            && t.next().is_none()
            && (1..=12).contains(&month)
            && (1..=month_days[(month - 1).clamp(0, 11) as usize]).contains(&day)
            && hour < 24
            && minute < 60
            && second < 60;
        valid.then_some(())?;
        let offset_minutes = zone_minutes(zone)?;
        let days = days_from_civil(year, month, day);
        Some(((days * 24 + hour) * 60 + minute - offset_minutes) * 60_000 + second * 1000 + millis)
    })();
    parsed.ok_or_else(unparseable)
}

fn leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The zone of `SimpleDateFormat`'s `XXX`/`X`: `Z`, `+hh:mm`, `+hhmm` or `+hh`, in minutes.
fn zone_minutes(zone: &str) -> Option<i64> {
    if zone == "Z" {
        return Some(0);
    }
    let sign = match zone.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    let colon_ok = match zone.len() {
        6 => zone.as_bytes()[3] == b':',
        3 | 5 => !zone.contains(':'),
        _ => false,
    };
    let (hours, minutes) = match digits.len() {
        2 => (digits.parse::<i64>().ok()?, 0),
        4 => (
            digits[..2].parse::<i64>().ok()?,
            digits[2..].parse::<i64>().ok()?,
        ),
        _ => return None,
    };
    (colon_ok && hours < 24 && minutes < 60).then_some(sign * (hours * 60 + minutes))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `java.time.Duration.parse`: `[-]P[nD][T[nH][nM][n[.n]S]]`, case-insensitive, each number
/// signed; milliseconds (finer digits dropped), or none where Java throws.
fn duration_ms(text: &str) -> Option<i64> {
    let upper = text.to_ascii_uppercase();
    let (negative, rest) = match upper.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, upper.strip_prefix('+').unwrap_or(&upper)),
    };
    let rest = rest.strip_prefix('P')?;
    let (days, time) = match rest.split_once('T') {
        Some((days, time)) => (days, Some(time)),
        None => (rest, None),
    };
    let mut total: i64 = 0;
    let mut any = false;
    if !days.is_empty() {
        let n = days.strip_suffix('D')?;
        total = total.checked_add(signed(n)?.checked_mul(86_400_000)?)?;
        any = true;
    }
    if let Some(mut time) = time {
        if time.is_empty() {
            return None;
        }
        for (unit, ms) in [('H', 3_600_000i64), ('M', 60_000)] {
            if let Some((n, after)) = time.split_once(unit) {
                total = total.checked_add(signed(n)?.checked_mul(ms)?)?;
                time = after;
                any = true;
            }
        }
        if let Some(seconds) = time.strip_suffix('S') {
            let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
            if fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let whole_ms = signed(whole)?.checked_mul(1000)?;
            let millis: i64 = format!("{fraction:0<3}")[..3].parse().ok()?;
            let millis = if whole.starts_with('-') {
                -millis
            } else {
                millis
            };
            total = total.checked_add(whole_ms + millis)?;
            any = true;
        } else if !time.is_empty() {
            return None;
        }
    }
    any.then_some(if negative { -total } else { total })
}

fn signed(n: &str) -> Option<i64> {
    let digits = n.strip_prefix(['+', '-']).unwrap_or(n);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_parse_as_utils_get_date_time_does() {
        assert_eq!(date_time("1970-01-01T00:00:05.000"), Ok(5000));
        assert_eq!(date_time("1970-01-01T00:00:05.250Z"), Ok(5250));
        assert_eq!(date_time("1970-01-01T01:00:00.000+01:00"), Ok(0));
        assert_eq!(date_time("1970-01-01T01:00:00.000+0100"), Ok(0));
        assert_eq!(date_time("1970-01-01T00:00:00.000-01"), Ok(3_600_000));
        assert_eq!(date_time("2024-03-01T00:00:00.000"), Ok(1_709_251_200_000));
        assert_eq!(
            date_time("1970-01-01"),
            Err("java.text.ParseException: Error parsing timestamp. It does not contain a 'T' according to ISO8601 format".to_owned())
        );
        // Strict: no seconds' fraction, a 13th month or a 30th of February are refused.
        for bad in [
            "1970-01-01T00:00:05",
            "1970-13-01T00:00:00.000",
            "2023-02-29T00:00:00.000",
        ] {
            assert_eq!(
                date_time(bad),
                Err(format!(
                    "java.text.ParseException: Unparseable date: \"{bad}Z\""
                )),
                "{bad}"
            );
        }
    }

    #[test]
    fn durations_parse_as_java_time_duration_does() {
        assert_eq!(duration_ms("PT5S"), Some(5000));
        assert_eq!(duration_ms("pt1m30.5s"), Some(90_500));
        assert_eq!(duration_ms("P1DT2H"), Some(93_600_000));
        assert_eq!(duration_ms("-PT5S"), Some(-5000));
        assert_eq!(duration_ms("PT-0.5S"), Some(-500));
        for bad in ["", "P", "PT", "5S", "P1H", "PT1D", "PT1S2M", "P1Y"] {
            assert_eq!(duration_ms(bad), None, "{bad}");
        }
    }
}
