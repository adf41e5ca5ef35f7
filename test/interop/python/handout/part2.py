# Part 2, as a student writes it: the PDC connects to the course's PMU and prints each message.
# Runs only inside `socklab campus`, whose hosts file maps the course names to loopback (test/cli/campus.test.ts).
import sys as _sys
if not open('/etc/hosts').read().startswith('# socklab campus'):  # never the real course hosts
    _sys.exit('run me inside socklab campus')
import re
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(('tcpip.epfl.ch', 5003))
s.send(sys.argv[1].encode())
data = b''
while True:
    chunk = s.recv(1024)
    if not chunk:
        break
    data += chunk
s.close()
if sys.argv[1] == 'CMD_floodme':
    sys.stdout.write(data.decode())
else:
    for message in re.findall(r'This is PMU data \d+?(?=This is PMU data|$)', data.decode()):
        print(message)
