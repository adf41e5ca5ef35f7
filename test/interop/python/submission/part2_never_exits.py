# Part 2, broken: prints the messages, then waits for ever instead of exiting.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import re
import socket
import sys
import time

s = socket.create_connection(('tcpip.epfl.ch', 5003))
s.sendall(sys.argv[1].encode())
data = b''
while True:
    chunk = s.recv(1024)
    if not chunk:
        break
    data += chunk
for message in re.findall(r'This is PMU data \d+?(?=This is PMU data|$)', data.decode()):
    print(message)
while True:
    time.sleep(1)
