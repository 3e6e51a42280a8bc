//! A UDP receiver that reads ECN, the destination address, a timestamp
//! and GRO segment sizes with every datagram, and a sender that marks ECN
//! and sends with GSO: what a QUIC or DNS server does with control
//! messages, on loopback, with no `unsafe` and no byte offset.
//!
//! `cargo run --example udp_ecn_gro` (Linux: GSO and GRO are Linux's).

#[cfg(target_os = "linux")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use std::io::IoSlice;
    use std::net::UdpSocket;
    use std::os::fd::AsFd;

    use sockcmsg::socket::{self, ControlBuffer, SendMessage, SendOptions, SockAddr, SocketOption};
    use sockcmsg::typed::{TimeForm, TypedKind, TypedMessage, TypedPayload};

    // The receiver turns on what it wants with each datagram, and sizes
    // its control buffer for exactly that.
    let receiver = UdpSocket::bind("127.0.0.1:0")?;
    for option in [
        SocketOption::UdpGro,
        SocketOption::IpReceiveTos,
        SocketOption::IpPacketInfo,
        SocketOption::TimestampNsNew,
    ] {
        socket::set_option(receiver.as_fd(), option, true)?;
    }
    let kinds = [
        TypedKind::UdpGro,
        TypedKind::Tos,
        TypedKind::PacketInfo,
        TypedKind::TimestampNs(TimeForm::New),
    ];

    // The sender marks ECT(0) and lets the kernel cut 4,000 bytes into
    // 1,200-byte datagrams (GSO): one sendmsg, four datagrams on the wire.
    let sender = UdpSocket::bind("127.0.0.1:0")?;
    let ect0 = TypedPayload::to_send(&TypedMessage::Tos(0b10))?;
    let gso = TypedPayload::to_send(&TypedMessage::UdpSegment(1200))?;
    let to = SockAddr::from(receiver.local_addr()?);
    let data = vec![0x51; 4000];
    let sent = socket::send_with(
        sender.as_fd(),
        &[IoSlice::new(&data)],
        &[SendMessage::Typed(&ect0), SendMessage::Typed(&gso)],
        SendOptions::default().to(&to),
    )?;
    println!("sent {sent} bytes with ECT(0) and a segment size of 1200");

    // With GRO on, the datagrams come back coalesced: read until all the
    // bytes are in (loopback keeps them together; a network may not).
    let mut received_bytes = 0;
    let mut control = ControlBuffer::for_typed(&kinds);
    while received_bytes < data.len() {
        let mut buf = vec![0; 65536];
        let received = socket::recv(receiver.as_fd(), &mut buf, control)?;
        received_bytes += received.bytes;
        println!("received {} bytes", received.bytes);
        for msg in received.typed() {
            match msg? {
                TypedMessage::UdpGro(size) => println!("  GRO: segments of {size} bytes"),
                TypedMessage::Tos(tos) => println!("  ECN: {:02b} (TOS {tos:#04x})", tos & 0b11),
                TypedMessage::PacketInfo(info) => {
                    println!("  to {} on interface {}", info.addr, info.ifindex)
                }
                TypedMessage::TimestampNs { time, .. } => {
                    println!("  arrived at {}.{:09}", time.sec, time.nsec)
                }
                other => println!("  {other:?}"),
            }
        }
        control = received.into_control();
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn main() {
    println!("GSO and GRO are Linux's: this example runs on Linux");
}
