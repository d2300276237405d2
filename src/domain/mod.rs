//! Pure types and rules. Nothing here does I/O or depends on anything async: the service
//! layer feeds these functions the state it read and the clock's `now`, and stores what
//! they return. Property tests live beside the rules they check.

pub mod ids;
pub mod team;
