//! Integration tests: each starts a real server on 127.0.0.1:0 with a temporary data folder
//! (nichoir-testkit) and talks HTTP and WebSocket to it as a client would.

mod accounts;
mod admin;
mod bad_input;
mod bounded_work;
mod chat;
mod chat_email;
mod comments;
mod csrf;
mod deletion;
mod embed;
mod etherpad;
mod frame_fuzz;
mod hardening;
mod ldap;
mod mail;
mod metrics;
mod moderation;
mod notify;
mod oidc;
mod pad_formats;
mod pad_fuzz;
mod pad_images;
mod pads;
mod pages;
mod polls;
mod quotas;
mod realtime;
mod recent;
mod revocation;
mod search_equivalence;
mod storage_copy;
mod support;
mod video;
mod wikis;
