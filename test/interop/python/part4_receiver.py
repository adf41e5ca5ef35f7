# The handout's part 4 receiver: join the group on the given interface, print N datagrams.
# (Beyond the handout: says on stderr when it has joined, and on which port.)
import socket
import struct
import sys

group, port, iface, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('', port))
mreq = struct.pack('4s4s', socket.inet_aton(group), socket.inet_aton(iface))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
print('joined', s.getsockname()[1], file=sys.stderr, flush=True)  # for the tests: port 0 gets one, and now it may be sent to
s.settimeout(10)
for _ in range(count):
    data, addr = s.recvfrom(2048)
    print(data[:6].decode(), data[6:].decode())
