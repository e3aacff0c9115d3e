//! Test support for mailsift, shared by its tests, benchmarks and examples (the way
//! hickory-dns keeps its test servers in a support crate): in-process DNS and SMTP servers on
//! 127.0.0.1, and deterministic input generators. Not part of mailsift's library.

#![allow(missing_docs, dead_code)]

mod civil;
pub mod dns_server;
pub mod gen_engagement;
pub mod gen_dmarc;
pub mod gen_list;
pub mod gen_logs;
pub mod server_thread;
pub mod smtp_server;
