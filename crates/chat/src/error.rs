//! What goes wrong in chat. Every failure of the chat is one of the general codes (not found,
//! forbidden, conflict, validation…), so the chat answers `nichoir_core::Error` itself, built
//! where the rule fails, and needs no error enum of its own as pads, polls, video and wikis do.

use nichoir_core::Error;

pub type ChatResult<T> = Result<T, Error>;
