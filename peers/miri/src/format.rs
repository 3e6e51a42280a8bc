//! The inputs file's format, read by the Miri programs and by `cargo xtask
//! miri` (which includes this file with `#[path]`): `MAGIC`, then for each
//! input its label's length (`u16`, little-endian), the label (UTF-8), the
//! input's length (`u32`) and its bytes. The standard library only.

/// The file's first bytes.
pub const MAGIC: &[u8] = b"sockcmsg-miri-inputs 1\n";

/// One input: where it comes from (`tail #3`, `corpus seed-...`) and its
/// bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    pub label: String,
    pub bytes: Vec<u8>,
}

/// The inputs of a file in the format of [`encode`].
pub fn decode(bytes: &[u8]) -> Result<Vec<Input>, String> {
    let mut rest = bytes
        .strip_prefix(MAGIC)
        .ok_or("not an inputs file (no magic line)")?;
    fn take<'a>(rest: &mut &'a [u8], n: usize) -> Result<&'a [u8], String> {
        if rest.len() < n {
            return Err("the inputs file is cut short".to_owned());
        }
        let (head, tail) = rest.split_at(n);
        *rest = tail;
        Ok(head)
    }
    let mut inputs = Vec::new();
    while !rest.is_empty() {
        let len = take(&mut rest, 2)?;
        let len = usize::from(u16::from_le_bytes([len[0], len[1]]));
        let label = String::from_utf8_lossy(take(&mut rest, len)?).into_owned();
        let len = take(&mut rest, 4)?;
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let bytes = take(&mut rest, len)?.to_vec();
        inputs.push(Input { label, bytes });
    }
    Ok(inputs)
}

/// Reads a file written by [`encode`].
pub fn read(path: &std::path::Path) -> Result<Vec<Input>, String> {
    decode(&std::fs::read(path).map_err(|err| format!("{}: {err}", path.display()))?)
}

/// The input in hex, as the conformance report shows one.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
