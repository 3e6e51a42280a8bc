#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| sockcmsg::check::uring(bytes));
