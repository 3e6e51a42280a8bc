#![no_main]

libfuzzer_sys::fuzz_target!(
    init: sockcmsg_peers::fuzz::init("go-xsys-origdstaddr"),
    |bytes: &[u8]| sockcmsg_peers::fuzz::fuzz("go-xsys-origdstaddr", bytes)
);
