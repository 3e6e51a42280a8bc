//! Compiles `c/liburing.c`, liburing's `static inline` recvmsg helpers as
//! functions the liburing peer can call, against the system's
//! `<liburing.h>` (Debian's `liburing-dev`; `.ci/run` installs it).

fn main() {
    println!("cargo::rerun-if-changed=c/liburing.c");
    println!("cargo::rerun-if-changed=/usr/include/liburing.h");
    if !std::path::Path::new("/usr/include/liburing.h").exists() {
        println!(
            "cargo::warning=no /usr/include/liburing.h: install liburing's headers \
             (Debian: apt-get install liburing-dev)"
        );
    }
    // The version the table shows: Debian's package, where there is one.
    let version = std::process::Command::new("dpkg-query")
        .args(["-W", "-f", "${Version}", "liburing-dev"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map_or("(version unknown)".to_owned(), |version| {
            format!("(Debian liburing-dev {version})")
        });
    println!("cargo::rustc-env=SOCKCMSG_LIBURING_VERSION={version}");
    cc::Build::new()
        .file("c/liburing.c")
        .warnings(true)
        .compile("sockcmsg_liburing");
}
