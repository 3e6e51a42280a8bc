#![no_main]

libfuzzer_sys::fuzz_target!(
    init: sockcmsg_peers::fuzz::init("tokio-seqpacket"),
    |bytes: &[u8]| sockcmsg_peers::fuzz::fuzz("tokio-seqpacket", bytes)
);
