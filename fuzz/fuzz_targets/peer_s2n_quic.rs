#![no_main]

libfuzzer_sys::fuzz_target!(
    init: sockcmsg_peers::fuzz::init("s2n-quic"),
    |bytes: &[u8]| sockcmsg_peers::fuzz::fuzz("s2n-quic", bytes)
);
