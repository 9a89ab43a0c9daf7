//! The page to print (or save as PDF) a pad: its Markdown rendered and sanitised as for a page
//! (images become links, so the page fetches nothing from another host), a print stylesheet, no
//! application around it, and one inline script that opens the browser's print dialog. The
//! Content-Security-Policy allows that script by its hash and nothing else.

use base64::Engine;
use nichoir_core::{work, Error};
use sha2::{Digest, Sha256};

const SCRIPT: &str = "window.addEventListener('load',function(){window.print()})";

const STYLE: &str = "\
@page{margin:2cm}\
body{font:12pt/1.5 Georgia,'DejaVu Serif',serif;color:#000;background:#fff;max-width:42em;margin:2em auto;padding:0 1em}\
h1,h2,h3,h4,h5,h6{font-family:'Helvetica Neue',Arial,sans-serif;line-height:1.2;page-break-after:avoid;break-after:avoid}\
h1{font-size:1.8em}h2{font-size:1.4em}h3{font-size:1.2em}\
p,li,blockquote{orphans:3;widows:3}\
pre,code{font-family:'DejaVu Sans Mono',Consolas,monospace;font-size:.9em}\
pre{white-space:pre-wrap;border:1px solid #ccc;padding:.5em;page-break-inside:avoid;break-inside:avoid}\
blockquote{margin-left:0;padding-left:1em;border-left:3px solid #999;color:#333}\
table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em}\
a{color:#000}\
hr{border:0;border-top:1px solid #999}\
@media print{body{margin:0;max-width:none}a[href^='http']::after{content:' (' attr(href) ')';font-size:.85em}}";

/// The Content-Security-Policy of the page: its own style and script only; sandboxed (no
/// cookies, no same-origin access) but allowed to open the print dialog.
pub fn csp() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{hash}'; \
         sandbox allow-scripts allow-modals"
    )
}

fn escape(s: &str) -> String {
    super::xml_escape(s)
}

/// Renders the page on the work pool.
pub async fn page(title: &str, text: String) -> Result<String, Error> {
    let body = work::run(move || nichoir_core::markdown::to_page_html(&text)).await?;
    Ok(format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{STYLE}</style><script>{SCRIPT}</script></head><body>\n{body}</body></html>\n",
        escape(title)
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_policy_allows_exactly_the_print_script() {
        // Hash of the script as browsers compute it (checked independently with openssl:
        // printf %s "$SCRIPT" | openssl dgst -sha256 -binary | base64).
        let csp = super::csp();
        assert!(
            csp.contains("script-src 'sha256-2LbPA3EpYK3cKk5yOaJ22LSnLyW+0Aw2cxNv6q05Weo='"),
            "{csp}"
        );
        assert!(csp.contains("sandbox allow-scripts allow-modals"));
        assert!(!csp.contains("allow-same-origin"));
    }
}
