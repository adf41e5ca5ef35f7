# The handout's part 5 client with the websocket-client module: one command, each message on its
# own line, and the number of on_message events at the end. The course server sends binary frames,
# so on_message gets bytes: decoded, as every real student's client does.
import sys
import websocket

url, command = sys.argv[1], sys.argv[2]
events = 0

def on_message(ws, message):
    global events
    events += 1
    print(message.decode())

def on_open(ws):
    ws.send(command)

app = websocket.WebSocketApp(url, on_open=on_open, on_message=on_message)
app.run_forever()
print('on_message events:', events)
