// The measured network floor of the cold-network measure: a bare node
// process that GETs every URL listed in the file argv[2] (one per line),
// argv[3] in flight at once, over one keep-alive pool (Node's fetch), and
// reads every body. What any client in Node.js pays on this machine.
import { readFileSync } from 'node:fs';

const urls = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const inFlight = Number(process.argv[3] ?? 16);
let next = 0;
async function lane() {
  while (next < urls.length) {
    const url = urls[next++];
    const res = await fetch(url, { headers: { accept: 'application/vnd.pypi.integrity.v1+json' } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  }
}
await Promise.all(Array.from({ length: inFlight }, lane));
