//! `text_enum!`: an enum stored and sent as fixed words ("public", "yes_no"…), with `as_str`
//! and `parse` so the same words serve SQL columns, JSON and validation messages.

/// Declares `pub enum Name { Variant = "word", … }` deriving Serialize/Deserialize with those
/// words, plus `as_str()` and `parse()`.
#[macro_export]
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, $crate::__serde::Serialize, $crate::__serde::Deserialize)]
        #[serde(crate = "nichoir_core::__serde")]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::text_enum!(
        /// A test enum.
        Side { Left = "left", Right = "right" }
    );

    #[test]
    fn words_round_trip() {
        assert_eq!(Side::parse("left"), Some(Side::Left));
        assert_eq!(Side::Right.as_str(), "right");
        assert_eq!(Side::parse("up"), None);
        assert_eq!(
            serde_json::to_string(&Side::Left).ok().as_deref(),
            Some("\"left\"")
        );
    }
}
