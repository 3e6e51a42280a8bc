#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| sockcmsg::check::roundtrip_any_layout(bytes));
