//! The one integration-test binary: modules per command and concern.

mod bounce;
mod bounce_farm;
mod check_cli;
mod clean_bad_input;
mod clean_cli;
mod dns;
mod domain_cli;
mod engagement_cli;
mod explain;
mod hygiene_report;
mod liars;
mod list_formats;
mod logs;
mod logs_real;
mod man_completions;
mod properties;
mod serve_cli;
mod server_cli;
mod smtp;
mod smtp_replay;
mod spf_cli;
mod spf_suite;
mod support;
mod suppress_cli;
mod syntax_corpus;
mod zone_cli;
