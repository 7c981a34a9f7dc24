//! Integration tests of the `fetchlab` binary, run as a user runs it,
//! against the in-process slow server on 127.0.0.1.

#[cfg(feature = "compare")]
mod compare;
mod download;
mod input_errors;
mod interrupt;
mod serve;
mod support;
mod tls;
