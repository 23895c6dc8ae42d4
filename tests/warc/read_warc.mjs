// read_warc.mjs — junkai's independent WARC reader for tests: reads each
// WARC file named on the command line with warcio.js (Webrecorder), not
// with junkai's code, and prints one JSON object:
//   {"FILE": [{"type", "version", "warc": [[name, value], …],
//              "http_status_line", "http_headers": [[name, value], …],
//              "payload_b64", "block_b64"}, …], …}
// payload_b64 is the raw HTTP payload (no decoding), block_b64 the whole
// record block (read in a second pass without HTTP parsing).
// usage: node read_warc.mjs FILE…
import fs from "node:fs";
import { WARCParser } from "warcio";

async function readRecords(path, parseHttp) {
  const parser = new WARCParser(fs.createReadStream(path), { parseHttp, keepHeadersCase: true });
  const out = [];
  for await (const record of parser) {
    const r = {
      type: record.warcType,
      version: record.warcHeaders.protocol,
      warc: [...record.warcHeaders.headers.entries()],
    };
    if (parseHttp) {
      if (record.httpHeaders) {
        r.http_status_line = record.httpHeaders.statusline;
        r.http_headers = [...record.httpHeaders.headers.entries()];
      }
      r.payload_b64 = Buffer.from(await record.readFully(false)).toString("base64");
    } else {
      r.block_b64 = Buffer.from(await record.readFully(false)).toString("base64");
    }
    out.push(r);
  }
  return out;
}

const result = {};
for (const path of process.argv.slice(2)) {
  const withHttp = await readRecords(path, true);
  const raw = await readRecords(path, false);
  if (raw.length !== withHttp.length)
    throw new Error(`${path}: ${withHttp.length} records with HTTP parsing, ${raw.length} without`);
  withHttp.forEach((r, i) => (r.block_b64 = raw[i].block_b64));
  result[path] = withHttp;
}
process.stdout.write(JSON.stringify(result) + "\n");
