# Part 5 with a menu on standard input, as students wrote it: "Enter 1 for CMD_short and 2 for
# CMD_floodme", then the delay. It takes no arguments.
import sys as _sys
if not open("/etc/hosts").read().startswith("# socklab campus"):  # never the real course hosts
    _sys.exit("run me inside socklab campus")
import websocket

choice = int(input('Enter 1 for CMD_short and 2 for CMD_floodme: '))
command = 'CMD_short:%d' % int(input('enter d: ')) if choice == 1 else 'CMD_floodme'
ws = websocket.create_connection('ws://tcpip.epfl.ch:5006')
ws.send(command)
while True:
    try:
        message = ws.recv()
    except websocket.WebSocketConnectionClosedException:
        break
    if not message:
        break
    print(message.decode() if isinstance(message, bytes) else message)
