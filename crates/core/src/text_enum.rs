//! `text_enum!`: an enum stored and sent as fixed words ("public", "yes_no"…), with `as_str`
//! and `parse` so the same words serve SQL columns, JSON and validation messages.

/// Declares `pub enum Name { Variant = "word", … }` deriving Serialize/Deserialize with those
/// words, plus `as_str()` and `parse()`.
#[macro_export]
macro_rules! text_enum {
    // `text_enum!(ts("polls/") …)`: a word of the API, also described as a JSON Schema and
    // exported as a TypeScript type under `web/src/generated/<dir>` (the caller depends on
    // neither crate: the derives go through this crate's re-exports).
    (ts($dir:literal) $(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq,
            $crate::__serde::Serialize, $crate::__serde::Deserialize,
            $crate::__schemars::JsonSchema, $crate::__ts_rs::TS,
        )]
        #[serde(crate = "nichoir_core::__serde")]
        #[schemars(crate = "nichoir_core::__schemars")]
        #[ts(crate = "nichoir_core::__ts_rs", export, export_to = $dir)]
        $(#[$m])*
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        $crate::text_enum!(@words $name { $($variant = $text),+ });
    };
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, $crate::__serde::Serialize, $crate::__serde::Deserialize)]
        #[serde(crate = "nichoir_core::__serde")]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        $crate::text_enum!(@words $name { $($variant = $text),+ });
    };
    (@words $name:ident { $($variant:ident = $text:literal),+ }) => {
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
