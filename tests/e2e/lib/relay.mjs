// The Playground (0.2.28) writes `locale: "en-US"` into every activity it sends (messages, card submits, invokes,
// and the clientInfo entity), whatever the browser's language or the mock tenant say. Teams sends the user's client
// language there. So that a French-speaking manager can be played, the Playground talks to the bot through this
// relay: it forwards every request unchanged, except that while `relay.locale` is set it puts that locale into the
// activity (`locale` and the clientInfo entity), as Teams does for a user whose client is in that language.

import http from 'node:http';

export function startLocaleRelay(target) {
  const relay = {
    locale: null,
    seen: [], // [{type, name, locale}] of every activity relayed, after rewriting
  };
  const server = http.createServer(async (req, res) => {
    try {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      let body = Buffer.concat(chunks);
      if (body.length && /json/i.test(req.headers['content-type'] || '')) {
        const activity = JSON.parse(body.toString('utf8'));
        if (relay.locale) {
          activity.locale = relay.locale;
          for (const entity of activity.entities || []) {
            if (entity && entity.type === 'clientInfo') entity.locale = relay.locale;
          }
        }
        relay.seen.push({ type: activity.type, name: activity.name, locale: activity.locale });
        body = Buffer.from(JSON.stringify(activity));
      }
      const headers = { ...req.headers, 'content-length': String(body.length) };
      delete headers.host;
      const url = new URL(req.url, target);
      const answer = await fetch(url, { method: req.method, headers, body: body.length ? body : undefined });
      const payload = Buffer.from(await answer.arrayBuffer());
      const out = {};
      answer.headers.forEach((value, key) => {
        if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(key)) out[key] = value;
      });
      out['content-length'] = String(payload.length);
      res.writeHead(answer.status, out);
      res.end(payload);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`locale relay: ${error.message}`);
    }
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      relay.url = `http://127.0.0.1:${port}${new URL(target).pathname}`;
      relay.close = () =>
        new Promise((done) => {
          server.closeAllConnections?.();
          server.close(() => done());
        });
      resolve(relay);
    });
  });
}
