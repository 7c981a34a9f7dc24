//! Integration tests of the `fetchlab` binary, run as a user runs it,
//! against the in-process slow server on 127.0.0.1.

#[cfg(feature = "compare")]
mod compare;
mod docs;
mod download;
mod durability;
mod generate;
mod input_errors;
mod interrupt;
mod readme;
mod report_merge;
mod serve;
mod shards;
mod support;
mod tls;
mod write_corpus;
