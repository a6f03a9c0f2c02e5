//! Light, dark, or the system's choice: kept in localStorage and applied as `data-theme` on
//! `<html>` (an embed applies its own without keeping it), which the stylesheet's `color-scheme` (and so every `light-dark()` colour) follows.

const KEY: &str = "kafka-playground/theme";

/// The reader's choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// Follow the system (`prefers-color-scheme`).
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl Theme {
    /// The next choice of the toggle button.
    pub fn next(self) -> Theme {
        match self {
            Theme::System => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::System,
        }
    }

    /// The button's label.
    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "Theme: system",
            Theme::Light => "Theme: light",
            Theme::Dark => "Theme: dark",
        }
    }

    fn attribute(self) -> Option<&'static str> {
        match self {
            Theme::System => None,
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
        }
    }

    fn parse(text: &str) -> Theme {
        match text {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The saved choice (the system's by default).
pub fn load() -> Theme {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .map_or(Theme::System, |text| Theme::parse(&text))
}

/// Applies and saves a choice.
pub fn apply(theme: Theme) {
    show(theme);
    if let Some(storage) = storage() {
        let _ = storage.set_item(KEY, theme.attribute().unwrap_or("system"));
    }
}

/// Applies a choice to this page only: an embed follows its host page's `theme=`, which must
/// not become the reader's own choice in the full playground.
pub fn show(theme: Theme) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let _ = match theme.attribute() {
        Some(value) => root.set_attribute("data-theme", value),
        None => root.remove_attribute("data-theme"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_toggle_cycles_through_every_choice() {
        let mut seen = vec![Theme::System];
        let mut theme = Theme::System.next();
        while theme != Theme::System {
            seen.push(theme);
            theme = theme.next();
        }
        assert_eq!(seen, [Theme::System, Theme::Light, Theme::Dark]);
        assert_eq!(Theme::parse("dark"), Theme::Dark);
        assert_eq!(Theme::parse("garbage"), Theme::System);
    }
}
