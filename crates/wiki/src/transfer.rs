//! Export of a whole wiki as a zip (Markdown, full histories, attachments, a static HTML copy)
//! and import of such a zip into a new wiki (being written).
