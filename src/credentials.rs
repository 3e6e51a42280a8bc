//! `SCM_CREDENTIALS` payloads: a `struct ucred`.

use crate::{Error, Layout, SocketControlMessage};

/// Process credentials as carried by `SCM_CREDENTIALS` (`struct ucred`, Go's
/// `Ucred`).
///
/// ```
/// use sockcmsg::Ucred;
/// let cred = Ucred { pid: 1234, uid: 1000, gid: 1000 };
/// let buf = sockcmsg::unix_credentials(&cred)?;
/// let msg = sockcmsg::messages(&buf).next().unwrap()?;
/// assert_eq!(sockcmsg::parse_unix_credentials(&msg)?, cred);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Ucred {
    /// The process ID.
    pub pid: i32,
    /// The user ID.
    pub uid: u32,
    /// The group ID.
    pub gid: u32,
}

/// `sizeof(struct ucred)`.
pub(crate) const UCRED_LEN: usize = 12;

impl Layout {
    /// The credentials in an `SCM_CREDENTIALS` message. Only Linux has the
    /// message: other layouts give [`Error::CredentialsUnsupported`].
    // The crate root's function is Linux's only.
    #[cfg_attr(
        any(target_os = "linux", target_os = "android"),
        doc = "See [`parse_unix_credentials`](crate::parse_unix_credentials)."
    )]
    ///
    /// ```
    /// use sockcmsg::{Error, Layout, Ucred};
    /// let cred = Ucred { pid: 1, uid: 2, gid: 3 };
    /// let buf = Layout::LINUX_32.unix_credentials(&cred)?;
    /// let msg = Layout::LINUX_32.messages(&buf).next().unwrap()?;
    /// assert_eq!(Layout::LINUX_32.parse_unix_credentials(&msg)?, cred);
    /// assert_eq!(
    ///     Layout::MACOS.parse_unix_credentials(&msg),
    ///     Err(Error::CredentialsUnsupported { layout: "macos" })
    /// );
    /// # Ok::<(), sockcmsg::Error>(())
    /// ```
    #[inline]
    pub fn parse_unix_credentials(&self, msg: &SocketControlMessage<'_>) -> Result<Ucred, Error> {
        let kind = self
            .scm_credentials()
            .ok_or(Error::CredentialsUnsupported {
                layout: self.name(),
            })?;
        self.expect_type(msg, kind)?;
        let short = Error::ShortCredentials {
            len: msg.data.len(),
            needed: UCRED_LEN,
        };
        // Bytes past the struct are ignored, as in Go.
        let field = |at: usize| -> Result<[u8; 4], Error> {
            msg.data
                .get(at..at.saturating_add(4))
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or(short)
        };
        Ok(Ucred {
            pid: self.i32_from(field(0)?),
            uid: self.u32_from(field(4)?),
            gid: self.u32_from(field(8)?),
        })
    }

    /// The bytes of `cred` as an `SCM_CREDENTIALS` payload in this layout.
    #[inline]
    pub(crate) fn ucred_bytes(&self, cred: &Ucred) -> [u8; UCRED_LEN] {
        let mut out = [0; UCRED_LEN];
        let fields = [
            self.i32_bytes(cred.pid),
            self.u32_bytes(cred.uid),
            self.u32_bytes(cred.gid),
        ];
        for (slot, field) in out.chunks_exact_mut(4).zip(fields) {
            slot.copy_from_slice(&field);
        }
        out
    }
}
