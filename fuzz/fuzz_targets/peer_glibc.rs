#![no_main]

libfuzzer_sys::fuzz_target!(
    init: sockcmsg_peers::fuzz::init("glibc"),
    |bytes: &[u8]| sockcmsg_peers::fuzz::fuzz("glibc", bytes)
);
