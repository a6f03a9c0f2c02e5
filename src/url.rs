//! Reading the page URL: `?seed=N` reproduces a run; `?embed=1` is the playground inside a
//! documentation page (compact, and never saving over the reader's own run).

/// The value of `name` in a query string.
fn param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// The seed from `?seed=N`, if present and a valid unsigned integer.
pub fn seed_from_query(query: &str) -> Option<u64> {
    param(query, "seed").and_then(|value| value.parse().ok())
}

/// `?controllers=3` asks for a KRaft quorum of three controllers (so one can fail over);
/// anything else is the single controller.
pub fn controllers_from_query(query: &str) -> u32 {
    match param(query, "controllers") {
        Some("3") => 3,
        _ => 1,
    }
}

/// Whether `?embed=1` (or `true`) asks for the embedded layout.
pub fn embed_from_query(query: &str) -> bool {
    matches!(param(query, "embed"), Some("1" | "true"))
}

fn page_query() -> String {
    web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default()
}

/// The seed of the current page, or 1.
pub fn page_seed() -> u64 {
    seed_from_query(&page_query()).unwrap_or(1)
}

/// How many controllers the current page asks for.
pub fn page_controllers() -> u32 {
    controllers_from_query(&page_query())
}

/// Whether the current page is embedded.
pub fn page_embed() -> bool {
    embed_from_query(&page_query())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_controllers_parameter() {
        assert_eq!(controllers_from_query("?controllers=3"), 3);
        assert_eq!(controllers_from_query("?seed=2&controllers=3"), 3);
        assert_eq!(
            controllers_from_query("?controllers=2"),
            1,
            "a quorum of 1 or 3"
        );
        assert_eq!(controllers_from_query(""), 1);
    }

    #[test]
    fn parses_the_seed_parameter() {
        assert_eq!(seed_from_query("?seed=42"), Some(42));
        assert_eq!(seed_from_query("?a=1&seed=7"), Some(7));
        assert_eq!(seed_from_query("?seed=x"), None);
        assert_eq!(seed_from_query(""), None);
        assert_eq!(seed_from_query("?reseed=3"), None);
    }

    #[test]
    fn parses_the_embed_parameter() {
        assert!(embed_from_query("?seed=3&embed=1"));
        assert!(embed_from_query("?embed=true"));
        assert!(!embed_from_query("?embed=0"));
        assert!(!embed_from_query("?seed=1"));
    }
}
