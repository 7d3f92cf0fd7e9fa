//! What each simulated messenger says, byte for byte, whoever serves it: how
//! it checks the calls our server makes, what it answers, which errors it
//! gives and the callbacks it sends. Two servers speak it: the demo's
//! simulator (actix, with simulated customers behind it) and the test suite's
//! fakes (`tests/support/fake_*`, raw sockets so that a test can drop or stall
//! a connection, with every call recorded). Each keeps its own state; the
//! messenger's rules live here once, so a rule the tests rely on is the rule
//! the demo shows.

pub mod telegram;
pub mod viber;
pub mod whatsapp;
