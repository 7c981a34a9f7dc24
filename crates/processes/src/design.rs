//! Design choices of the process pool, and how its cost was measured.
//!
//! (Filled in below.)
