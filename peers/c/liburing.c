/* liburing's recvmsg helpers, which its header defines `static inline`,
 * compiled into functions the liburing peer calls (peers/src/liburing.rs):
 * each one a call of the helper of the same name, nothing else. */
#include <liburing.h>

struct io_uring_recvmsg_out *sockcmsg_recvmsg_validate(void *buf, int buf_len,
                                                       struct msghdr *msgh)
{
	return io_uring_recvmsg_validate(buf, buf_len, msgh);
}

void *sockcmsg_recvmsg_name(struct io_uring_recvmsg_out *o)
{
	return io_uring_recvmsg_name(o);
}

struct cmsghdr *sockcmsg_recvmsg_cmsg_firsthdr(struct io_uring_recvmsg_out *o,
                                               struct msghdr *msgh)
{
	return io_uring_recvmsg_cmsg_firsthdr(o, msgh);
}

struct cmsghdr *sockcmsg_recvmsg_cmsg_nexthdr(struct io_uring_recvmsg_out *o,
                                              struct msghdr *msgh,
                                              struct cmsghdr *cmsg)
{
	return io_uring_recvmsg_cmsg_nexthdr(o, msgh, cmsg);
}

void *sockcmsg_recvmsg_payload(struct io_uring_recvmsg_out *o,
                               struct msghdr *msgh)
{
	return io_uring_recvmsg_payload(o, msgh);
}

unsigned int sockcmsg_recvmsg_payload_length(struct io_uring_recvmsg_out *o,
                                             int buf_len, struct msghdr *msgh)
{
	return io_uring_recvmsg_payload_length(o, buf_len, msgh);
}
