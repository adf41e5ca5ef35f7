# Part 2 taking HOST PORT COMMAND, as many students wrote it; a usage line otherwise.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import re
import socket
import sys

if len(sys.argv) != 4:
    print('Usage: %s HOST PORT COMMAND' % sys.argv[0])
    sys.exit(1)
host, port, command = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((host, port))
s.send(command.encode())
data = b''
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
s.close()
if command == 'CMD_floodme':
    sys.stdout.write(data.decode())
else:
    for message in re.findall(r'This is PMU data \d+?(?=This is PMU data|$)', data.decode()):
        print(message)
