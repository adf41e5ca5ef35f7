# The handout's part 4 sender: 6-byte ID + text, one datagram a line, TTL 1, on the given interface.
import socket
import sys

group, port, iface, sender_id = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(iface))
for line in sys.argv[5:]:
    s.sendto(sender_id.encode() + line.encode(), (group, port))
