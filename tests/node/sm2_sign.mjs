// node sm2_sign.mjs LIB PRIVATE_HEX MESSAGE_HEX ID  ->  DER signature hex
// SM3 with Z (hash: true) and the given distinguishing ID, DER output.
import { library, run, toBytes } from './common.mjs';

run('sm2_sign.mjs LIB PRIVATE_HEX MESSAGE_HEX ID', 4, ([lib, priv, msg, id]) => {
  const { sm2 } = library(lib);
  const sig = sm2.doSignature(toBytes(msg), priv, { hash: true, der: true, userId: id });
  process.stdout.write(`${sig}\n`);
});
