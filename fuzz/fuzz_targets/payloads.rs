#![no_main]
//! `cargo fuzz run payloads`: any bytes as an answer of the Graph or the Hub API.

libfuzzer_sys::fuzz_target!(|data: &[u8]| wamigrate_fuzz::payloads(data));
