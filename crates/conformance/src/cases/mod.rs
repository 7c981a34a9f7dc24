//! The conformance cases. Each is a function taking the [`crate::Subject`];
//! [`crate::suite!`] turns each into a `#[test]`.

pub mod directory;
pub mod errors;
pub mod faults;
mod hostile;
pub mod hostile_body;
pub mod hostile_head;
pub mod hostile_redirect;
pub mod integrity;
pub mod keep_alive;
pub mod limits;
pub mod resume;
pub mod run;
pub mod settings;
pub mod store;
pub mod tls;
