// Node's `ws` against the demo: subprotocol, a text and a binary echo, a
// clean close. Exits 0 on success, 1 with the reason otherwise.
const WebSocket = require('ws');

const url = process.argv[2];
const big = Buffer.alloc(200000, 7);
const ws = new WebSocket(url, ['soap', 'xmpp']);
const fail = (why) => { console.error('node ws: ' + why); process.exit(1); };
setTimeout(() => fail('no clean end within 20 s'), 20000).unref();
const expected = ['Ping', big];
ws.on('open', () => {
  if (ws.protocol !== 'soap') fail('subprotocol ' + ws.protocol);
  ws.send('Ping');
  ws.send(big);
});
ws.on('message', (data, isBinary) => {
  const want = expected.shift();
  const same = isBinary ? Buffer.compare(data, want) === 0 : data.toString() === want;
  if (!same) fail('unexpected echo');
  if (expected.length === 0) ws.close(1000, 'done');
});
ws.on('close', (code) => process.exit(code === 1000 && expected.length === 0 ? 0 : 1));
ws.on('error', (e) => fail(e.message));
