// node open_envelope.mjs LIB CLOUD_PRIVATE_HEX STATION_PUBLIC_HEX(04..) ENVELOPE_FILE
//   ->  the batch inside, hex
// An independent opener of the exchange envelope (docs/security.md, "Exchange envelope"),
// written from the layout alone: SM2 unwrap of W (GM/T 0009 DER parsed here), HMAC-SM3 tag over
// u64be(len(AD)) || AD || IV || ciphertext, SM4-CTR built from single-block ECB (neither
// library offers CTR), SM2 signature with the ID over everything before "S|". Certificates are
// not parsed here: the caller passes the station's public key. Exit 1 = refused.
import { readFileSync } from 'node:fs';
import { library, run, toHex } from './common.mjs';

function refuse(why) {
  process.stdout.write(`${why}\n`);
  process.exit(1);
}

// SEQUENCE { INTEGER x, INTEGER y, OCTET STRING C3, OCTET STRING C2 } -> [x, y, c3, c2]
function parseSm2Der(der) {
  let at = 0;
  const tlv = (tag) => {
    if (der[at++] !== tag) throw new Error(`DER: expected tag ${tag}`);
    let len = der[at++];
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; ++i) len = len * 256 + der[at++];
    }
    const value = der.subarray(at, at + len);
    at += len;
    return value;
  };
  const seq = tlv(0x30);
  at = der.length - seq.length;
  const int32 = (v) => {
    const b = v[0] === 0 ? v.subarray(1) : v;
    const out = new Uint8Array(32);
    out.set(b, 32 - b.length);
    return out;
  };
  return [int32(tlv(0x02)), int32(tlv(0x02)), tlv(0x04), tlv(0x04)];
}

run('open_envelope.mjs LIB CLOUD_PRIVATE_HEX STATION_PUBLIC_HEX FILE', 4, ([lib, priv, pub, file]) => {
  const { sm2, sm3, sm4 } = library(lib);
  const text = readFileSync(file, 'latin1');
  const lines = text.split('\n');
  if (lines.length !== 6 || lines[5] !== '') refuse('not five lines');
  const [header, w, c, x, s] = lines;
  if (!header.startsWith('OMXE|1|') || !w.startsWith('W|') || !c.startsWith('C|') ||
      !x.startsWith('X|') || !s.startsWith('S|')) refuse('bad layout');

  const signed = Buffer.from(`${header}\n${w}\n${c}\n${x}\n`, 'latin1');
  const sig = Buffer.from(s.slice(2), 'base64').toString('hex');
  const opts = { hash: true, der: true, userId: '1234567812345678' };
  if (!sm2.doVerifySignature(Uint8Array.from(signed), sig, pub, opts)) refuse('bad signature');

  const [x1, y1, c3, c2] = parseSm2Der(Buffer.from(w.slice(2), 'base64'));
  const block = sm2.doDecrypt(toHex(x1) + toHex(y1) + toHex(c3) + toHex(c2), priv, 1,
    { output: 'array' });
  if (!block || block.length !== 32) refuse('wrong recipient');
  const kEnc = Uint8Array.from(block.slice(0, 16));
  const kMac = Uint8Array.from(block.slice(16, 32));

  const ad = Buffer.from(`${header}\n${w}\n`, 'latin1');
  const box = Buffer.from(c.slice(2), 'base64');
  const iv = box.subarray(0, 16);
  const ct = box.subarray(16, box.length - 16);
  const tag = toHex(box.subarray(box.length - 16));
  const len = Buffer.alloc(8);
  len.writeBigUInt64BE(BigInt(ad.length));
  const macInput = Uint8Array.from(Buffer.concat([len, ad, iv, ct]));
  if (sm3(macInput, { key: kMac }).slice(0, 32) !== tag) refuse('bad mac');

  // CTR: the IV is a 128-bit big-endian counter.
  const blocks = Math.ceil(ct.length / 16);
  const counters = new Uint8Array(blocks * 16);
  const counter = Uint8Array.from(iv);
  for (let i = 0; i < blocks; ++i) {
    counters.set(counter, i * 16);
    for (let k = 15; k >= 0; --k) if (++counter[k] !== 256) break; else counter[k] = 0;
  }
  const stream = sm4.encrypt(counters, kEnc, { mode: 'ecb', padding: 'none', output: 'array' });
  const plain = Uint8Array.from(ct, (b, i) => b ^ stream[i]);
  process.stdout.write(`${toHex(plain)}\n`);
});
