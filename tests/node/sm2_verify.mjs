// node sm2_verify.mjs LIB PUBLIC_HEX(04..) MESSAGE_HEX DER_SIGNATURE_HEX ID  ->  valid | invalid
import { library, run, toBytes } from './common.mjs';

run('sm2_verify.mjs LIB PUBLIC_HEX MESSAGE_HEX SIGNATURE_HEX ID', 5, ([lib, pub, msg, sig, id]) => {
  const { sm2 } = library(lib);
  const options = { hash: true, der: true, userId: id };
  const valid = sm2.doVerifySignature(toBytes(msg), sig, pub, options);
  process.stdout.write(valid ? 'valid\n' : 'invalid\n');
  process.exitCode = valid ? 0 : 1;
});
