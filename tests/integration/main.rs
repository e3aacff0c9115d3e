//! The one integration-test binary: modules per command and concern.

mod bounce;
mod bounce_farm;
mod check_cli;
mod clean_bad_input;
mod clean_cli;
mod dmarc_cli;
mod dns;
mod explain;
mod liars;
mod logs;
mod man_completions;
mod properties;
mod smtp;
mod smtp_replay;
mod spf_cli;
mod spf_suite;
mod support;
mod suppress_cli;
mod syntax_corpus;
mod zone_cli;
