//! The peers' fuzz targets (`fuzz/fuzz_targets/peer_<slug>.rs`): one per
//! peer that parses or decodes typed messages, each `sockcmsg_peers::fuzz`'s
//! `init` and `fuzz`, built against the versions the table shows, and
//! skipping what the table already shows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sockcmsg::conformance::{
    rules_exercised, typed_finding_rules, typed_rules_exercised, TYPED_CHECKS,
};
use sockcmsg::model::Model;
use sockcmsg::Layout;
use sockcmsg_peers::fuzz::{fuzzed, known_rules, known_typed_rules, target};
use sockcmsg_peers::table::reproducer_check;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

#[test]
fn every_peer_that_parses_or_decodes_typed_messages_has_its_target_and_no_other_has_one() {
    let manifest = read(&root().join("fuzz/Cargo.toml"));
    let mut expected = Vec::new();
    for peer in sockcmsg_peers::all().iter().filter(|peer| fuzzed(peer)) {
        let name = target(peer.slug);
        let source = read(&root().join(format!("fuzz/fuzz_targets/{name}.rs")));
        assert_eq!(
            source,
            format!(
                "#![no_main]\n\nlibfuzzer_sys::fuzz_target!(\n    \
                 init: sockcmsg_peers::fuzz::init(\"{slug}\"),\n    \
                 |bytes: &[u8]| sockcmsg_peers::fuzz::fuzz(\"{slug}\", bytes)\n);\n",
                slug = peer.slug
            )
        );
        let bin = format!(
            "[[bin]]\nname = \"{name}\"\npath = \"fuzz_targets/{name}.rs\"\n\
             required-features = [\"peers\"]\n"
        );
        assert!(manifest.contains(&bin), "fuzz/Cargo.toml has no {bin}");
        expected.push(name);
    }
    assert!(expected.len() >= 5, "{expected:?}");
    let mut found: Vec<String> = std::fs::read_dir(root().join("fuzz/fuzz_targets"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter_map(|name| name.strip_suffix(".rs").map(str::to_owned))
        .filter(|name| name.starts_with("peer_"))
        .collect();
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
}

/// Each package's versions in a lock file.
fn locked(lock: &str) -> BTreeMap<String, Vec<String>> {
    let mut packages: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for package in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            package
                .lines()
                .find_map(|line| line.strip_prefix(&format!("{key} = \"")))
                .and_then(|rest| rest.strip_suffix('"'))
                .unwrap_or_else(|| panic!("a package without {key}: {package}"))
                .to_owned()
        };
        packages
            .entry(field("name"))
            .or_default()
            .push(field("version"));
    }
    packages
}

#[test]
fn the_fuzz_targets_build_the_versions_the_table_shows() {
    let workspace = locked(&read(&root().join("Cargo.lock")));
    let fuzz = locked(&read(&root().join("fuzz/Cargo.lock")));
    for peer in ["libc", "rustix", "tokio-seqpacket", "nix", "tokio"] {
        assert!(fuzz.contains_key(peer), "fuzz/Cargo.lock has no {peer}");
    }
    for (name, versions) in &fuzz {
        if let Some(theirs) = workspace.get(name) {
            assert!(
                versions.iter().all(|version| theirs.contains(version)),
                "{name}: fuzz/Cargo.lock has {versions:?}, Cargo.lock {theirs:?} (copy \
                 Cargo.lock to fuzz/Cargo.lock and let cargo trim it)"
            );
        }
    }
}

/// What the table found is what a fuzz target skips: each reproducer of a
/// rule's check exercises that rule, so a run passes over its class.
#[test]
fn each_rules_reproducer_is_skipped_by_its_peers_target() {
    let model = Model::new(Layout::HOST);
    let mut skipped = 0;
    for peer in sockcmsg_peers::all().iter().filter(|peer| fuzzed(peer)) {
        let known = known_rules(peer.slug);
        let folder = root().join("corpus/conformance").join(peer.slug);
        for entry in std::fs::read_dir(&folder).into_iter().flatten() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap();
            let Some(rule) = reproducer_check(name).filter(|check| known.contains(check)) else {
                continue;
            };
            let exercised = rules_exercised(&model, &std::fs::read(&path).unwrap());
            assert!(
                exercised.contains(&rule),
                "{}: exercises {exercised:?}, not {rule}",
                path.display()
            );
            skipped += 1;
        }
    }
    assert!(skipped >= 20, "only {skipped} reproducers of rules");
}

/// A typed finding's reproducer stands for a rule of the format or of
/// typed messages that its peer's target skips, and each typed peer's
/// target still gets well-formed typed messages.
#[test]
fn each_typed_reproducer_stands_for_a_rule_its_peers_target_skips() {
    let model = Model::new(Layout::HOST);
    let mut skipped = 0;
    let typed_peers = sockcmsg_peers::all()
        .into_iter()
        .filter(|peer| fuzzed(peer) && peer.implementation.parse_typed(&[]).is_some());
    // A TTL of 64 in an int, and an IPV6_PKTINFO: well-formed.
    let ttl = model.encode([(libc::IPPROTO_IP, libc::IP_TTL, &64i32.to_ne_bytes()[..])]);
    let pktinfo = [&[0; 15][..], &[1], &1i32.to_ne_bytes()].concat();
    let pktinfo = model.encode([(libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, &pktinfo[..])]);
    for buf in [&ttl, &pktinfo] {
        assert!(typed_rules_exercised(&model, buf).is_empty(), "{buf:02x?}");
    }
    for peer in typed_peers {
        let known = known_typed_rules(&peer);
        println!("{}: skips {known:?}", peer.slug);
        assert!(!known.is_empty(), "{}: breaks no rule", peer.slug);
        let folder = root().join("corpus/conformance").join(peer.slug);
        for entry in std::fs::read_dir(&folder).into_iter().flatten() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap();
            if !reproducer_check(name).is_some_and(|check| TYPED_CHECKS.contains(&check)) {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let rules = typed_finding_rules(&model, &bytes);
            assert!(
                !rules.is_empty() && rules.iter().all(|rule| known.contains(rule)),
                "{}: stands for {rules:?}, known {known:?}",
                path.display()
            );
            skipped += 1;
        }
    }
    assert!(skipped >= 20, "only {skipped} typed reproducers");
}
