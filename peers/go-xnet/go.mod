module sockcmsg-peers/go-xnet

go 1.19

require golang.org/x/net v0.7.0

require golang.org/x/sys v0.5.0 // indirect

// Debian's golang-golang-x-net-dev (0.7.0) and what it needs, from
// /usr/share/gocode: built offline, never downloaded.
replace (
	golang.org/x/net => /usr/share/gocode/src/golang.org/x/net
	golang.org/x/sys => /usr/share/gocode/src/golang.org/x/sys
	golang.org/x/text => /usr/share/gocode/src/golang.org/x/text
)
