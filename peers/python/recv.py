"""Python's receive of passed descriptors, as a Python program calls it, for
sockcmsg's conformance runner (peers/src/python.rs starts it; the Python 3
standard library only).

    recv.py MODE SIZE SOCKET BACK ROOM
    recv.py version

MODE is `recv_fds` (`socket.recv_fds(sock, 1, SIZE)`, Python 3.9+: SIZE is
maxfds, and the function receives into CMSG_LEN(SIZE * 4) bytes) or
`recvmsg` (`sock.recvmsg(1, SIZE)`, SIZE the control buffer's length, and
the loop of the `socket` module's documentation). SOCKET is the number of
the datagram socket to receive from, inherited with the same number as in
the runner's process; BACK is the number of a SOCK_SEQPACKET socket to
answer on. ROOM, unless -1, is how many more descriptors the receive may
open: RLIMIT_NOFILE is set for that much room around the receive alone, as
the runner sets it in its own process.

The answer comes on BACK, in messages: first the descriptors of `sent` as
SCM_RIGHTS, at most 253 (Linux's SCM_MAX_FD) to a message whose data is `f`;
then a line of `key=value` fields in messages of `l` and up to 64 KiB of it;
last, a message `e`. The fields: `fds`, the numbers the API handed back, in
order, comma-separated; `cloexec`, for each, 1 if FD_CLOEXEC is set as the
API left it, 0 if not, p if that number was open before the receive, - if it
is not open; `leaked`, the descriptors opened by the receive and still open
that the API did not hand back; `sent`, the distinct ones of both opened by
the receive, in the order they were sent; `flags`, msg_flags;
`control_len`, the control buffer the API used; last, `error=` and an
OSError's text, or nothing.

`version` prints the interpreter's path, its version, and 1 if it has
`socket.recv_fds`.
"""

import array
import os
import resource
import socket
import sys


def open_fds():
    """This process's open descriptors, in order (the listing's own closed)."""
    listed = [int(name) for name in os.listdir("/proc/self/fd")]
    return sorted(fd for fd in listed if is_open(fd))


def is_open(fd):
    try:
        os.get_inheritable(fd)
    except OSError:
        return False
    return True


def status(fd, before):
    """`fd` as the API handed it back: 1 if close-on-exec, 0 if not, p if it
    was open before the receive (not one received), - if it is not open."""
    if not is_open(fd):
        return "-"
    if fd in before:
        return "p"
    return "0" if os.get_inheritable(fd) else "1"


def limit_for(opened, room):
    """The RLIMIT_NOFILE under which exactly `room` more descriptors can be
    opened: the kernel takes the lowest free numbers below the limit."""
    limit = room
    for fd in opened:
        if fd < limit:
            limit += 1
        else:
            break
    return limit


def receive_recv_fds(sock, maxfds):
    """`socket.recv_fds`, and the control buffer it sized from `maxfds`
    (`CMSG_LEN(maxfds * fds.itemsize)`, Lib/socket.py)."""
    msg, fds, flags, addr = socket.recv_fds(sock, 1, maxfds)
    return fds, flags, socket.CMSG_LEN(maxfds * array.array("i").itemsize)


def receive_recvmsg(sock, control_len):
    """`sock.recvmsg` and the loop of the socket module's documentation."""
    fds = array.array("i")
    msg, ancdata, flags, addr = sock.recvmsg(1, control_len)
    for cmsg_level, cmsg_type, cmsg_data in ancdata:
        if cmsg_level == socket.SOL_SOCKET and cmsg_type == socket.SCM_RIGHTS:
            # Append data, ignoring any truncated integers at the end.
            fds.frombytes(cmsg_data[: len(cmsg_data) - (len(cmsg_data) % fds.itemsize)])
    return list(fds), flags, control_len


# The most descriptors one SCM_RIGHTS message carries on Linux.
SCM_MAX_FD = 253
# The most of the answer's line in one message.
LINE_PART = 65536


def numbers(fds):
    return ",".join(str(fd) for fd in fds)


RECEIVES = {"recv_fds": receive_recv_fds, "recvmsg": receive_recvmsg}


def main():
    if sys.argv[1:] == ["version"]:
        print(sys.executable)
        print("%d.%d.%d" % sys.version_info[:3])
        print("1" if hasattr(socket, "recv_fds") else "0")
        return
    mode, size, sock_fd, back_fd, room = sys.argv[1:]
    receive = RECEIVES[mode]
    size, sock_fd, back_fd, room = int(size), int(sock_fd), int(back_fd), int(room)
    sock = socket.socket(fileno=sock_fd)
    back = socket.socket(fileno=back_fd)
    # Everything the receive needs is imported (recv_fds imports array
    # inside itself in newer versions), so that only the receive opens
    # descriptors between the two listings.
    before = open_fds()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if room >= 0:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(limit_for(before, room), hard), hard))
    try:
        fds, flags, used = receive(sock, size)
        error = None
    except OSError as err:
        fds, flags, used, error = [], 0, None, str(err)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    cloexec = [status(fd, before) for fd in fds]
    after = open_fds()
    leaked = [fd for fd in after if fd not in before and fd not in fds]
    new = [fd for fd, flag in zip(fds, cloexec) if flag in ("0", "1")]
    sent = sorted(set(new) | set(leaked))
    answer = "fds=%s cloexec=%s leaked=%s sent=%s flags=%d control_len=%s error=%s" % (
        numbers(fds),
        ",".join(cloexec),
        numbers(leaked),
        numbers(sent),
        flags,
        "-" if used is None else used,
        "" if error is None else " ".join(error.split()),
    )
    # sendmsg itself, not socket.send_fds (3.9+): the hand-back works on
    # every Python 3 the recvmsg row can run on.
    for at in range(0, len(sent), SCM_MAX_FD):
        chunk = array.array("i", sent[at : at + SCM_MAX_FD])
        back.sendmsg([b"f"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, chunk)])
    line = answer.encode()
    for at in range(0, len(line), LINE_PART):
        back.sendmsg([b"l", line[at : at + LINE_PART]])
    back.sendmsg([b"e"])


if __name__ == "__main__":
    main()
