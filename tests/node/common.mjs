// Shared helpers of the interop scripts run by tests/unit/crypto/interop_test.cpp.
// Every script takes hex on argv and prints hex on stdout; exit 0 = done, 1 = the operation
// said "no" (signature invalid, decryption failed), 2 = bad usage or an exception.
import smCrypto from 'sm-crypto';
import * as smCryptoV2 from 'sm-crypto-v2';

export function library(name) {
  if (name === 'sm-crypto') return smCrypto;
  if (name === 'sm-crypto-v2') return smCryptoV2;
  die(`unknown library '${name}' (sm-crypto | sm-crypto-v2)`);
}

export function toBytes(hex) {
  if (hex.length % 2 !== 0 || /[^0-9a-fA-F]/.test(hex)) die(`not hex: '${hex}'`);
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => (b & 0xff).toString(16).padStart(2, '0')).join('');
}

export function die(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

// Runs main(args) and maps exceptions to exit code 2 with the message on stderr.
export function run(usage, count, main) {
  const args = process.argv.slice(2);
  if (args.length < count) die(`usage: ${usage}`);
  try {
    main(args);
  } catch (e) {
    die(`error: ${e && e.message ? e.message : e}`);
  }
}
