//! Compiles `c/liburing.c`, liburing's `static inline` recvmsg helpers as
//! functions the liburing peer can call, against the system's
//! `<liburing.h>` (Debian's `liburing-dev`; `.ci/run` installs it).

fn main() {
    println!("cargo::rerun-if-changed=c/liburing.c");
    if !std::path::Path::new("/usr/include/liburing.h").exists() {
        println!(
            "cargo::warning=no /usr/include/liburing.h: install liburing's headers \
             (Debian: apt-get install liburing-dev)"
        );
    }
    cc::Build::new()
        .file("c/liburing.c")
        .warnings(true)
        .compile("sockcmsg_liburing");
}
