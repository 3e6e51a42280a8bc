module sockcmsg-peers/go-xnet

go 1.19

require (
	golang.org/x/net v0.7.0
	golang.org/x/sys v0.5.0
)

// Debian's golang-golang-x-net-dev (0.7.0) and what it needs (its x/sys is
// golang-golang-x-sys-dev, 0.3.0, whatever the version required says),
// from /usr/share/gocode: built offline, never downloaded.
replace (
	golang.org/x/net => /usr/share/gocode/src/golang.org/x/net
	golang.org/x/sys => /usr/share/gocode/src/golang.org/x/sys
	golang.org/x/text => /usr/share/gocode/src/golang.org/x/text
)
