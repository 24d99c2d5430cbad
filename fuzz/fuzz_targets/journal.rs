#![no_main]
//! `cargo fuzz run journal`: any bytes as a migration journal.

libfuzzer_sys::fuzz_target!(|data: &[u8]| wamigrate_fuzz::journal(data));
