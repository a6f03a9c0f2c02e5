//! Reading the page URL, so `?seed=N` reproduces a run.

/// The seed from `?seed=N`, if present and a valid unsigned integer.
pub fn seed_from_query(query: &str) -> Option<u64> {
    query
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("seed="))
        .and_then(|value| value.parse().ok())
}

/// The seed of the current page, or 1.
pub fn page_seed() -> u64 {
    web_sys::window()
        .and_then(|window| window.location().search().ok())
        .and_then(|query| seed_from_query(&query))
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_seed_parameter() {
        assert_eq!(seed_from_query("?seed=42"), Some(42));
        assert_eq!(seed_from_query("?a=1&seed=7"), Some(7));
        assert_eq!(seed_from_query("?seed=x"), None);
        assert_eq!(seed_from_query(""), None);
    }
}
