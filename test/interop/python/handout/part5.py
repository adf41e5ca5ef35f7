# Part 5, as a student writes it: websocket-client against the course's server, one line per on_message.
# The server sends binary frames: on_message gets bytes, which students decode.
# Runs only inside `socklab campus`, whose hosts file maps the course names to loopback (test/cli/campus.test.ts).
import sys as _sys
if not open('/etc/hosts').read().startswith('# socklab campus'):  # never the real course hosts
    _sys.exit('run me inside socklab campus')
import sys
import websocket

events = 0


def on_message(ws, message):
    global events
    events += 1
    print(message.decode())


def on_open(ws):
    ws.send(sys.argv[1])


websocket.WebSocketApp('ws://tcpip.epfl.ch:5006', on_open=on_open, on_message=on_message).run_forever()
print('events', events)
