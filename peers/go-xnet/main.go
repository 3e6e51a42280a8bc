// Command peer-go-xnet answers sockcmsg's conformance runner with
// golang.org/x/net's ipv4 and ipv6 ControlMessage.Parse, as a Go UDP
// program calls them on the control bytes of a ReadMsgUDP, and Marshal, as
// it fills those of a WriteMsgUDP, and with
// golang.org/x/sys/unix's ParseOrigDstAddr: one request a line on standard
// input, one answer a line on standard output.
//
//	4 <hex>   ipv4.ControlMessage.Parse over the bytes
//	6 <hex>   ipv6.ControlMessage.Parse over the bytes
//	o <hex>   unix.ParseSocketControlMessage, then unix.ParseOrigDstAddr on
//	          each message (an error: not one, passed over)
//	M4 <ifindex> <src>
//	          ipv4.ControlMessage{IfIndex, Src}.Marshal(), in hex
//	M6 <tclass> <hoplimit> <ifindex> <src>
//	          ipv6.ControlMessage{TrafficClass, HopLimit, IfIndex,
//	          Src}.Marshal(), in hex ("-" for no Src)
//	V         runtime.Version(), GOOS/GOARCH and x/net's version
//
// Answers: "ok" then each field Parse set, after a tab ("ttl <n>",
// "hoplimit <n>", "tclass <n>", "dst <ip>", "ifindex <n>", "mtu <n>"),
// "error <text>" for an error returned, or "panic: <message>" for a panic
// recovered. A field is set when it no longer holds the value it had
// before Parse (absent, or no address): Parse sets only what a message gives.
package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"net/netip"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
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
	if op == "V" {
		return "ok " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + " " + xnetVersion()
	}
	if op == "M4" || op == "M6" {
		return marshal(op, strings.Fields(args))
	}
	b, err := hex.DecodeString(args)
	if err != nil {
		return oneLine("bad request: " + err.Error())
	}
	var sb strings.Builder
	sb.WriteString("ok")
	switch op {
	case "4":
		cm := ipv4.ControlMessage{TTL: absent, IfIndex: absent}
		if err := cm.Parse(b); err != nil {
			return oneLine("error " + err.Error())
		}
		field(&sb, "ttl", cm.TTL)
		field(&sb, "ifindex", cm.IfIndex)
		if cm.Dst != nil {
			sb.WriteString("\tdst " + cm.Dst.String())
		}
	case "6":
		cm := ipv6.ControlMessage{TrafficClass: absent, HopLimit: absent, IfIndex: absent, MTU: absent}
		if err := cm.Parse(b); err != nil {
			return oneLine("error " + err.Error())
		}
		field(&sb, "tclass", cm.TrafficClass)
		field(&sb, "hoplimit", cm.HopLimit)
		field(&sb, "ifindex", cm.IfIndex)
		field(&sb, "mtu", cm.MTU)
		if cm.Dst != nil {
			sb.WriteString("\tdst " + cm.Dst.String())
		}
	case "o":
		msgs, err := unix.ParseSocketControlMessage(b)
		if err != nil {
			return oneLine("error " + err.Error())
		}
		for i := range msgs {
			sa, err := unix.ParseOrigDstAddr(&msgs[i])
			if err != nil {
				continue
			}
			switch sa := sa.(type) {
			case *unix.SockaddrInet4:
				sb.WriteString("\tdst " + netip.AddrFrom4(sa.Addr).String())
			case *unix.SockaddrInet6:
				sb.WriteString("\tdst " + netip.AddrFrom16(sa.Addr).String())
			}
		}
	default:
		return "bad request: " + op
	}
	return sb.String()
}

// marshal answers an M4 or M6 request: what Marshal writes for the
// fields given, as a Go program fills a ControlMessage to send.
func marshal(op string, args []string) string {
	want := 2
	if op == "M6" {
		want = 4
	}
	if len(args) != want {
		return "bad request: " + op + " takes " + strconv.Itoa(want) + " fields"
	}
	var nums []int
	for _, arg := range args[:want-1] {
		n, err := strconv.Atoi(arg)
		if err != nil {
			return oneLine("bad request: " + err.Error())
		}
		nums = append(nums, n)
	}
	var src net.IP
	if last := args[want-1]; last != "-" {
		if src = net.ParseIP(last); src == nil {
			return "bad request: no IP " + last
		}
	}
	if op == "M4" {
		cm := ipv4.ControlMessage{IfIndex: nums[0], Src: src}
		return "ok " + hex.EncodeToString(cm.Marshal())
	}
	cm := ipv6.ControlMessage{TrafficClass: nums[0], HopLimit: nums[1], IfIndex: nums[2], Src: src}
	return "ok " + hex.EncodeToString(cm.Marshal())
}

// field writes a number Parse set.
// absent marks a field Parse did not set: no int32 or uint32 it converts
// is math.MinInt (-1 is: an IfIndex of 0xffffffff).
const absent = math.MinInt

func field(sb *strings.Builder, name string, v int) {
	if v != absent {
		fmt.Fprintf(sb, "\t%s %d", name, v)
	}
}

// xnetVersion is golang.org/x/net's version in the build.
func xnetVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "golang.org/x/net" {
				return dep.Version
			}
		}
	}
	return "unknown"
}

func oneLine(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\n", " "), "\t", " ")
}
