//! What an embedding page asks for in the iframe's query (`?embed=1&lesson=acks&panels=...`).
//! Parsing is pure and forgiving: a documentation page that misspells a parameter still gets a
//! working playground, and each thing ignored is named in a warning the app logs to the console
//! (so the page's author can see it in the devtools), never a panic or a blank frame.

use crate::theme::Theme;

/// A part of the page an embed can show or leave out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Panel {
    /// The brokers with their replicas (`cluster`).
    Cluster,
    /// The network diagram with links and messages in flight (`network`).
    Network,
    /// The small charts (`charts`).
    Charts,
    /// The topics' partition tables and the topic form (`topics`).
    Topics,
    /// Consumers and groups (`consumers`).
    Consumers,
    /// The Kafka CLI console (`console`).
    Console,
    /// Producers and their recent sends (`producers`).
    Producers,
    /// The A/B comparison of settings (`compare`).
    Compare,
    /// The event log (`events`).
    Events,
}

impl Panel {
    /// Every panel with the name a `panels=` list uses for it, in page order.
    pub const ALL: [(&'static str, Panel); 9] = [
        ("cluster", Panel::Cluster),
        ("network", Panel::Network),
        ("charts", Panel::Charts),
        ("topics", Panel::Topics),
        ("consumers", Panel::Consumers),
        ("console", Panel::Console),
        ("producers", Panel::Producers),
        ("compare", Panel::Compare),
        ("events", Panel::Events),
    ];

    fn named(name: &str) -> Option<Panel> {
        Panel::ALL
            .iter()
            .find(|(known, _)| *known == name)
            .map(|&(_, panel)| panel)
    }
}

/// The panels to show: all of them unless the page lists some.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Panels(Option<Vec<Panel>>);

impl Panels {
    /// Every panel (a plain embed, or the full page).
    pub fn all() -> Panels {
        Panels(None)
    }

    /// Whether `panel` is shown.
    pub fn shows(&self, panel: Panel) -> bool {
        self.0.as_ref().is_none_or(|listed| listed.contains(&panel))
    }
}

/// Everything `?embed=1` can carry besides the seed and a `#s=` shared session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbedParams {
    /// A lesson to open by id (`lesson=acks`, a file name in lessons/ without `.json`).
    pub lesson: Option<String>,
    /// Which panels show (`panels=cluster,producers`).
    pub panels: Panels,
    /// A theme for this frame only (`theme=light|dark`); never saved as the reader's choice.
    pub theme: Option<Theme>,
    /// Start playing once loaded (`autoplay=1`).
    pub autoplay: bool,
    /// An index into the timeline's speeds (`speed=10` for 10×).
    pub speed_index: Option<usize>,
    /// Run to this virtual time on load, in milliseconds (`t=4000`).
    pub start_ms: Option<u64>,
    /// Hide the controls that change the cluster (`readonly=1`); time controls still work.
    pub readonly: bool,
}

impl Default for EmbedParams {
    fn default() -> Self {
        EmbedParams {
            lesson: None,
            panels: Panels::all(),
            theme: None,
            autoplay: false,
            speed_index: None,
            start_ms: None,
            readonly: false,
        }
    }
}

/// The longest start time a URL may ask for: an hour of virtual time, so no link can make the
/// frame replay for minutes before it draws.
pub const START_MS_MAX: u64 = 3_600_000;

/// Reads the embed parameters of `query`. `speeds` are the timeline's speed labels (`"10×"`),
/// so `speed=` accepts exactly the speeds the page offers. The warnings name each value that
/// was ignored and why.
pub fn parse(query: &str, speeds: &[&str]) -> (EmbedParams, Vec<String>) {
    let mut params = EmbedParams::default();
    let mut warnings = Vec::new();
    let query = query.trim_start_matches('?');
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, raw) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(raw);
        match name {
            "lesson" if is_lesson_id(&value) => params.lesson = Some(value),
            "lesson" => warnings.push(format!("lesson={value:?}: not a lesson id")),
            "panels" => params.panels = panels(&value, &mut warnings),
            "theme" => match value.as_str() {
                "light" => params.theme = Some(Theme::Light),
                "dark" => params.theme = Some(Theme::Dark),
                _ => warnings.push(format!("theme={value:?}: light or dark")),
            },
            "autoplay" => params.autoplay = flag(name, &value, &mut warnings),
            "readonly" => params.readonly = flag(name, &value, &mut warnings),
            "speed" => match speeds
                .iter()
                .position(|label| label.trim_end_matches('×') == value)
            {
                Some(index) => params.speed_index = Some(index),
                None => warnings.push(format!(
                    "speed={value:?}: one of {}",
                    speeds
                        .iter()
                        .map(|l| l.trim_end_matches('×'))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            },
            "t" => match value.parse::<u64>() {
                Ok(ms) if ms <= START_MS_MAX => params.start_ms = Some(ms),
                _ => warnings.push(format!(
                    "t={value:?}: milliseconds of virtual time, from 0 to {START_MS_MAX}"
                )),
            },
            // Read elsewhere (url.rs), or not ours.
            _ => {}
        }
    }
    (params, warnings)
}

/// A valid `panels=` list; unknown names are ignored with a warning, and a list naming no known
/// panel shows them all rather than an empty frame.
fn panels(value: &str, warnings: &mut Vec<String>) -> Panels {
    let mut listed = Vec::new();
    for name in value
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        match Panel::named(name) {
            Some(panel) if !listed.contains(&panel) => listed.push(panel),
            Some(_) => {}
            None => warnings.push(format!(
                "panels: unknown panel {name:?} ignored (known: {})",
                Panel::ALL.map(|(known, _)| known).join(", ")
            )),
        }
    }
    if listed.is_empty() {
        warnings.push("panels: no known panel listed, so all are shown".to_owned());
        return Panels::all();
    }
    Panels(Some(listed))
}

/// `1`, `true` or a bare name (`&autoplay`) turn a flag on; `0` and `false` leave it off.
fn flag(name: &str, value: &str, warnings: &mut Vec<String>) -> bool {
    match value {
        "" | "1" | "true" => true,
        "0" | "false" => false,
        _ => {
            warnings.push(format!("{name}={value:?}: 1 or 0"));
            false
        }
    }
}

/// Lesson ids are file names: lowercase words joined by hyphens, kept short.
fn is_lesson_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Undoes `encodeURIComponent` (and `+` for a space, as forms write it). A malformed escape is
/// kept as written, so the value is reported as it came.
pub fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let escaped = (byte == b'%')
            .then(|| raw.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (byte, escaped) {
            (_, Some(decoded)) => {
                out.push(decoded);
                index += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                index += 1;
            }
            (other, None) => {
                out.push(other);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEEDS: &[&str] = &["0.001×", "0.01×", "0.1×", "1×", "10×", "100×"];

    #[test]
    fn reads_every_parameter() {
        let query = "?embed=1&lesson=unclean-leader-election&panels=cluster%2Cproducers&theme=dark\
                     &autoplay=1&speed=10&t=4000&readonly=1&seed=7";
        let (params, warnings) = parse(query, SPEEDS);
        assert_eq!(warnings, Vec::<String>::new());
        assert_eq!(params.lesson.as_deref(), Some("unclean-leader-election"));
        assert!(params.panels.shows(Panel::Cluster) && params.panels.shows(Panel::Producers));
        assert!(!params.panels.shows(Panel::Events));
        assert_eq!(params.theme, Some(Theme::Dark));
        assert!(params.autoplay && params.readonly);
        assert_eq!(params.speed_index, Some(4));
        assert_eq!(params.start_ms, Some(4000));
    }

    #[test]
    fn a_plain_embed_shows_everything_and_waits() {
        let (params, warnings) = parse("?embed=1", SPEEDS);
        assert_eq!(params, EmbedParams::default());
        assert!(warnings.is_empty());
        assert!(
            Panel::ALL
                .iter()
                .all(|&(_, panel)| params.panels.shows(panel))
        );
    }

    #[test]
    fn unknown_panels_are_ignored_with_a_warning() {
        let (params, warnings) = parse("?panels=cluster,brokerz,,cluster", SPEEDS);
        assert!(params.panels.shows(Panel::Cluster));
        assert!(!params.panels.shows(Panel::Network));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("\"brokerz\""), "{warnings:?}");

        let (params, warnings) = parse("?panels=nothing", SPEEDS);
        assert_eq!(params.panels, Panels::all(), "never an empty frame");
        assert_eq!(warnings.len(), 2);
    }

    #[test]
    fn bad_values_are_ignored_and_named() {
        let query = "?theme=blue&speed=3&t=-5&autoplay=yes&lesson=../etc&readonly";
        let (params, warnings) = parse(query, SPEEDS);
        assert_eq!(params.theme, None);
        assert_eq!(params.speed_index, None);
        assert_eq!(params.start_ms, None);
        assert!(!params.autoplay);
        assert_eq!(params.lesson, None);
        assert!(params.readonly, "a bare flag turns it on");
        assert_eq!(warnings.len(), 5, "{warnings:?}");
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("speed=\"3\": one of 0.001, "))
        );
        let (params, warnings) = parse(&format!("?t={}", START_MS_MAX + 1), SPEEDS);
        assert_eq!((params.start_ms, warnings.len()), (None, 1));
    }

    #[test]
    fn speeds_are_the_ones_the_page_offers() {
        for (index, label) in SPEEDS.iter().enumerate() {
            let query = format!("?speed={}", label.trim_end_matches('×'));
            assert_eq!(parse(&query, SPEEDS).0.speed_index, Some(index));
        }
    }

    #[test]
    fn decodes_percent_escapes_and_keeps_broken_ones() {
        assert_eq!(percent_decode("a%2Cb+c"), "a,b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%C3%A9"), "é");
    }
}
