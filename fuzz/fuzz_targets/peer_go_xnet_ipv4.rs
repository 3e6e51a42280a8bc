#![no_main]

libfuzzer_sys::fuzz_target!(
    init: sockcmsg_peers::fuzz::init("go-xnet-ipv4"),
    |bytes: &[u8]| sockcmsg_peers::fuzz::fuzz("go-xnet-ipv4", bytes)
);
