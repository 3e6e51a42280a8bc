//! Placeholder: the async round trip's benchmark is being written.
fn main() {}
