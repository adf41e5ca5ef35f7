# The handout's part 2 client, as a student writes it: IPv4 TCP, the command from the command line,
# recv() until the server closes. Host and port are arguments so the test can use the emulator.
import socket
import sys

host, port, command = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((host, port))
s.send(command.encode())
received = b''
while True:
    data = s.recv(1024)
    if not data:
        break
    received += data
s.close()
print(received.decode().replace('This is PMU data', '\nThis is PMU data').lstrip('\n'))
