// node sm_symmetric.mjs LIB sm3 MESSAGE_HEX                  ->  digest hex
// node sm_symmetric.mjs LIB hmac KEY_HEX MESSAGE_HEX         ->  HMAC-SM3 hex
// node sm_symmetric.mjs LIB sm4-cbc KEY_HEX IV_HEX PT_HEX    ->  SM4-CBC, PKCS#7, ciphertext hex
import { library, run, toBytes, toHex } from './common.mjs';

run('sm_symmetric.mjs LIB OP ARGS...', 3, ([lib, op, ...args]) => {
  const { sm3, sm4 } = library(lib);
  let out;
  if (op === 'sm3') {
    out = sm3(toBytes(args[0]));
  } else if (op === 'hmac') {
    out = sm3(toBytes(args[1]), { key: toBytes(args[0]) });
  } else if (op === 'sm4-cbc') {
    const ct = sm4.encrypt(toBytes(args[2]), toBytes(args[0]),
      { mode: 'cbc', iv: toBytes(args[1]), padding: 'pkcs#7', output: 'array' });
    out = toHex(ct);
  } else {
    throw new Error(`unknown op ${op}`);
  }
  process.stdout.write(`${out}\n`);
});
