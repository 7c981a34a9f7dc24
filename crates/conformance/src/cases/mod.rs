//! The conformance cases. Each is a function taking the [`crate::Subject`];
//! [`crate::suite!`] turns each into a `#[test]`.

pub mod errors;
pub mod faults;
pub mod integrity;
pub mod limits;
pub mod resume;
pub mod run;
pub mod settings;
pub mod store;
