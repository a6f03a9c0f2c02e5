//! Reading the page URL: `?seed=N` reproduces a run; `?embed=1` is the playground inside a
//! documentation page (compact, and never saving over the reader's own run), with the options
//! that embed_params.rs reads.

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

/// `?brokers=N` (1 to 9) asks for a cluster of N brokers; anything else is the three.
pub fn brokers_from_query(query: &str) -> u32 {
    param(query, "brokers")
        .and_then(|value| value.parse().ok())
        .filter(|n| (1..=crate::session::MAX_PAGE_BROKERS).contains(n))
        .unwrap_or(3)
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
    page_seed_asked().unwrap_or(1)
}

/// The seed the page's URL asks for, if it names one.
pub fn page_seed_asked() -> Option<u64> {
    seed_from_query(&page_query())
}

/// The page's fragment (`#s=...` carries a shared session).
pub fn page_fragment() -> String {
    web_sys::window()
        .and_then(|window| window.location().hash().ok())
        .unwrap_or_default()
}

/// The page's address without query or fragment, which a share link builds on.
pub fn page_base() -> String {
    web_sys::window()
        .and_then(|window| {
            let location = window.location();
            Some(format!(
                "{}{}",
                location.origin().ok()?,
                location.pathname().ok()?
            ))
        })
        .unwrap_or_default()
}

/// The query that names a run of `seed` in a cluster of `shape` (racks are left to the saved
/// run or the share link).
pub fn run_query(seed: u64, shape: &crate::session::Shape) -> String {
    let mut query = format!("?seed={seed}");
    if shape.controllers != 1 {
        query.push_str(&format!("&controllers={}", shape.controllers));
    }
    if shape.brokers != 3 {
        query.push_str(&format!("&brokers={}", shape.brokers));
    }
    query
}

/// Makes the address bar name the run the page shows (and drops a share fragment already
/// opened), without a reload or a history entry, so a reload reopens this run.
pub fn show_run(seed: u64, shape: &crate::session::Shape) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let url = format!("{}{}", page_base(), run_query(seed, shape));
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// The cluster shape the current page's URL asks for.
pub fn page_shape() -> crate::session::Shape {
    let query = page_query();
    crate::session::Shape {
        brokers: brokers_from_query(&query),
        controllers: controllers_from_query(&query),
        racks: Vec::new(),
    }
}

/// Whether the current page is embedded.
pub fn page_embed() -> bool {
    embed_from_query(&page_query())
}

/// The current page's embed options. What it ignores is logged as a console warning, which is
/// where the author of a documentation page looks when an embed does not look as asked.
pub fn page_embed_params() -> crate::embed_params::EmbedParams {
    let speeds: Vec<&str> = crate::components::timeline::SPEEDS
        .iter()
        .map(|(label, _)| *label)
        .collect();
    let (params, warnings) = crate::embed_params::parse(&page_query(), &speeds);
    for warning in warnings {
        crate::embed_api::warn(&format!("kafka-playground: ignored {warning}"));
    }
    params
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
    fn a_run_query_reads_back_as_the_same_run() {
        let shape = crate::session::Shape {
            brokers: 6,
            controllers: 3,
            racks: Vec::new(),
        };
        let query = run_query(7, &shape);
        assert_eq!(
            (
                seed_from_query(&query),
                controllers_from_query(&query),
                brokers_from_query(&query)
            ),
            (Some(7), 3, 6)
        );
        assert_eq!(
            run_query(u64::MAX, &crate::session::Shape::default()),
            format!("?seed={}", u64::MAX)
        );
        assert_eq!(
            brokers_from_query("?brokers=12"),
            3,
            "the page draws at most 9"
        );
    }

    #[test]
    fn parses_the_embed_parameter() {
        assert!(embed_from_query("?seed=3&embed=1"));
        assert!(embed_from_query("?embed=true"));
        assert!(!embed_from_query("?embed=0"));
        assert!(!embed_from_query("?seed=1"));
    }
}
