# The handout's part 3 client: RESET:20 over an IPv4 and an IPv6 socket, retransmitted every
# second until OFFSET=X arrives on either; prints the offset and the family that answered.
import select
import socket
import sys

host4, host6, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for attempt in range(30):
    s4.sendto(b'RESET:20', (host4, port))
    s6.sendto(b'RESET:20', (host6, port))
    ready, _, _ = select.select([s4, s6], [], [], 1.0)
    for sock in ready:
        try:
            data, addr = sock.recvfrom(1024)
        except ConnectionRefusedError:
            continue
        if data.startswith(b'OFFSET='):
            print(data.decode(), 'IPv4' if sock is s4 else 'IPv6', attempt + 1)
            sys.exit(0)
sys.exit(1)
