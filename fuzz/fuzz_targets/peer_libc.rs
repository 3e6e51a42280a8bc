#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| sockcmsg_peers::fuzz::fuzz("libc", bytes));
