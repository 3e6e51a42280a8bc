// Command peer-go answers sockcmsg's conformance runner with Go's syscall
// package, as a Go program calls it: one request a line on standard input,
// one answer a line on standard output.
//
//	P<k> <hex>        ParseSocketControlMessage over the bytes, placed at an
//	                  address k mod 8 (as the caller's buffer was); then
//	                  ParseUnixRights on each SCM_RIGHTS message and
//	                  ParseUnixCredentials on each SCM_CREDENTIALS one.
//	R <fd> <fd> ...   UnixRights(fds...)
//	C <pid> <uid> <gid>
//	                  UnixCredentials(&Ucred{...})
//	V                 runtime.Version() and GOOS/GOARCH
//
// Answers: "ok" then the result (for P, each message after a tab:
// "<level> <type> F <fd> ...", "<level> <type> C <pid> <uid> <gid>" or
// "<level> <type> B <hex>"), "error <text>" for an error returned, or
// "panic: <message>" for a panic recovered.
package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 0, 1<<16), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		fmt.Fprintln(out, answer(in.Text()))
		out.Flush()
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// answer runs one request, recovering a panic into its answer.
func answer(line string) (reply string) {
	defer func() {
		if r := recover(); r != nil {
			reply = oneLine(fmt.Sprintf("panic: %v", r))
		}
	}()
	op, args, _ := strings.Cut(line, " ")
	switch {
	case op == "V":
		return "ok " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
	case strings.HasPrefix(op, "P"):
		k, err := strconv.Atoi(op[1:])
		if err != nil || k < 0 || k > 7 {
			return "bad request: P needs an address mod 8"
		}
		raw, err := hex.DecodeString(args)
		if err != nil {
			return oneLine("bad request: " + err.Error())
		}
		return parse(placed(raw, k))
	case op == "R":
		fds, err := ints(args)
		if err != nil {
			return oneLine("bad request: " + err.Error())
		}
		return "ok " + hex.EncodeToString(syscall.UnixRights(fds...))
	case op == "C":
		v, err := ints(args)
		if err != nil || len(v) != 3 {
			return "bad request: C needs pid uid gid"
		}
		ucred := syscall.Ucred{Pid: int32(v[0]), Uid: uint32(v[1]), Gid: uint32(v[2])}
		return "ok " + hex.EncodeToString(syscall.UnixCredentials(&ucred))
	}
	return "bad request: " + op
}

// placed copies raw to a slice whose first byte's address is k mod 8.
func placed(raw []byte, k int) []byte {
	space := make([]byte, len(raw)+8)
	off := (k - int(uintptr(unsafe.Pointer(&space[0]))%8) + 8) % 8
	b := space[off : off+len(raw)]
	copy(b, raw)
	return b
}

// parse is what a Go program does with a control buffer it received.
func parse(b []byte) string {
	msgs, err := syscall.ParseSocketControlMessage(b)
	if err != nil {
		return oneLine("error ParseSocketControlMessage: " + err.Error())
	}
	var sb strings.Builder
	sb.WriteString("ok")
	for i := range msgs {
		m := &msgs[i]
		fmt.Fprintf(&sb, "\t%d %d ", m.Header.Level, m.Header.Type)
		switch {
		case m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SCM_RIGHTS:
			fds, err := syscall.ParseUnixRights(m)
			if err != nil {
				return oneLine("error ParseUnixRights: " + err.Error())
			}
			sb.WriteString("F")
			for _, fd := range fds {
				fmt.Fprintf(&sb, " %d", fd)
			}
		case m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SCM_CREDENTIALS:
			cred, err := syscall.ParseUnixCredentials(m)
			if err != nil {
				return oneLine("error ParseUnixCredentials: " + err.Error())
			}
			fmt.Fprintf(&sb, "C %d %d %d", cred.Pid, cred.Uid, cred.Gid)
		default:
			sb.WriteString("B " + hex.EncodeToString(m.Data))
		}
	}
	return sb.String()
}

func ints(s string) ([]int, error) {
	var v []int
	for _, f := range strings.Fields(s) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, err
		}
		v = append(v, int(n))
	}
	return v, nil
}

func oneLine(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\n", " "), "\t", " ")
}
