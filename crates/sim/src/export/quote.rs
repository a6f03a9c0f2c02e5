//! Escaping for the generated files: sh words, YAML scalars, Java properties, `#` comments and
//! file names. Every value from a scenario (names, configs, record text) passes through here,
//! so a quote or a line break in it can never turn into a command or break a file.

/// A word for `sh`: left bare when it is plainly safe, otherwise single-quoted, with each `'`
/// written as `'\''` (the only character a single-quoted string cannot hold).
pub(crate) fn sh(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "._-,:/=@%+".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A single-quoted YAML scalar (`'` doubled), which YAML never reads as a number, a boolean
/// or a tag.
pub(crate) fn yaml(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// One comment line's text: line breaks would start a line that is not a comment.
pub(crate) fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// `# ` comment lines, wrapped at 100 columns like the rest of the project.
pub(crate) fn comment_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::from("#");
    for word in one_line(text).split(' ').filter(|w| !w.is_empty()) {
        if line.len() > 1 && line.len() + 1 + word.len() > 100 {
            lines.push(std::mem::replace(&mut line, String::from("#")));
        }
        line.push(' ');
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// A Java properties key: the characters `Properties.load` treats as separators or comment
/// starts are escaped.
pub(crate) fn property_key(key: &str) -> String {
    let mut out = String::new();
    for (i, c) in key.chars().enumerate() {
        match c {
            ' ' | '=' | ':' => out.push_str(&format!("\\{c}")),
            '#' | '!' if i == 0 => out.push_str(&format!("\\{c}")),
            _ => push_property_char(&mut out, c),
        }
    }
    out
}

/// A Java properties value, read back by `Properties.load` exactly as given.
pub(crate) fn property_value(value: &str) -> String {
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        match c {
            ' ' if i == 0 => out.push_str("\\ "),
            _ => push_property_char(&mut out, c),
        }
    }
    out
}

fn push_property_char(out: &mut String, c: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        _ => out.push(c),
    }
}

/// A client or topic name as part of a file name: anything but `[A-Za-z0-9._-]` becomes `_`,
/// so a name cannot climb out of the export directory or need quoting in the script.
pub(crate) fn file_part(name: &str) -> String {
    let part: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    match part.trim_start_matches('.') {
        "" => "_".to_owned(),
        trimmed => trimmed.to_owned(),
    }
}

/// `text` as a POSIX extended regular expression that matches only itself (for `pkill -f`).
pub(crate) fn ere_literal(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if r"\.[]()*+?{}|^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sh_words_are_bare_only_when_safe() {
        assert_eq!(sh("orders"), "orders");
        assert_eq!(sh("min.insync.replicas=2"), "min.insync.replicas=2");
        assert_eq!(sh(""), "''");
        assert_eq!(sh("it's here"), r"'it'\''s here'");
        assert_eq!(sh("$(rm -rf /)"), "'$(rm -rf /)'");
    }

    #[test]
    fn properties_round_trip_their_separators() {
        assert_eq!(property_key("a b=c"), r"a\ b\=c");
        assert_eq!(property_value(" x\\y\nz"), r"\ x\\y\nz");
    }

    #[test]
    fn comments_never_span_lines() {
        let lines = comment_lines("one\ntwo");
        assert_eq!(lines, vec!["# one two"]);
        let long = "word ".repeat(40);
        assert!(
            comment_lines(&long)
                .iter()
                .all(|l| l.len() <= 100 && l.starts_with('#'))
        );
    }

    #[test]
    fn file_parts_stay_in_the_directory() {
        assert_eq!(file_part("../etc/passwd"), "_etc_passwd");
        assert_eq!(file_part("billing-1"), "billing-1");
        assert_eq!(ere_literal("a.b"), r"a\.b");
    }
}
