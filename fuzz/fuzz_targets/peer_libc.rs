#![no_main]

libfuzzer_sys::fuzz_target!(
    init: sockcmsg_peers::fuzz::init("libc"),
    |bytes: &[u8]| sockcmsg_peers::fuzz::fuzz("libc", bytes)
);
