module sockcmsg-peers/go

go 1.19
