# Part 2, broken: finds the messages in each read on its own, so a message split across two reads is lost.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import re
import socket
import sys

s = socket.create_connection(('tcpip.epfl.ch', 5003))
s.sendall(sys.argv[1].encode())
while True:
    chunk = s.recv(1024)
    if not chunk:
        break
    for message in re.findall(r'This is PMU data \d+', chunk.decode(errors='replace')):
        print(message)
